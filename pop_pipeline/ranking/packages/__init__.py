"""Ranking model packages: the self-contained folders a registered ranking model bundles."""
