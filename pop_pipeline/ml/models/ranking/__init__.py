"""Retweet-ranking models, one per file with its paper cited, and their losses."""
