"""Popularity-regression models, one per file with its paper cited, and their shared layers."""
