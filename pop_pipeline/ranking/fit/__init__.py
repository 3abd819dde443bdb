"""Fitting the ranking models on their data: trainers, pairwise setup and one fit per model."""
