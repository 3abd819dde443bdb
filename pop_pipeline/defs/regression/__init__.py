"""Popularity regression (papers 001, 002, 004): targets, splits, vocabularies, models."""
