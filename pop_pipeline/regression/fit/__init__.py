"""Fitting the regression models (torch models and baselines) on their features."""
