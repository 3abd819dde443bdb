"""Popularity-regression metrics of papers 001 (median absolute error, Spearman), 002 (MSE, MAE)
and 004 (MAE, Spearman).

Each metric is a small class with its formula in the docstring and ``smaller_is_better``,
registered in :data:`REGRESSION_METRICS`; the arithmetic is scikit-learn's and SciPy's
(``sklearn.metrics``, ``scipy.stats.spearmanr``), the registry, the directions and Spearman's
constant-prediction rule are ours. Inputs are two equal-length float arrays, the true targets
``y`` and the predictions ``ŷ``; NaN in either raises (a missing prediction is a bug, never
silently dropped), and so does an empty input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy.stats import spearmanr
from sklearn.metrics import mean_absolute_error, mean_squared_error, median_absolute_error

ArrayLike = npt.ArrayLike


class RegressionMetric(ABC):
    """A metric of predictions against true targets over one evaluation set."""

    name: ClassVar[str]
    smaller_is_better: ClassVar[bool]

    @abstractmethod
    def compute(self, y_true: np.ndarray, y_pred: np.ndarray) -> float: ...

    def __call__(self, y_true: ArrayLike, y_pred: ArrayLike) -> float:
        true, pred = _checked(y_true, y_pred)
        return float(self.compute(true, pred))


class MeanSquaredError(RegressionMetric):
    """``MSE = (1/n) Σ_i (y_i − ŷ_i)²`` (paper 002 §4.1.2)."""

    name = "mse"
    smaller_is_better = True

    def compute(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(mean_squared_error(y_true, y_pred))


class MeanAbsoluteError(RegressionMetric):
    """``MAE = (1/n) Σ_i |y_i − ŷ_i|`` (paper 002 §4.1.2, paper 004 §4.3 eq. 22)."""

    name = "mae"
    smaller_is_better = True

    def compute(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(mean_absolute_error(y_true, y_pred))


class MedianAbsoluteError(RegressionMetric):
    """``MedAE = median_i |y_i − ŷ_i|`` (paper 001 §4.3, "median error"); for an even ``n`` the
    mean of the two middle absolute errors."""

    name = "medae"
    smaller_is_better = True

    def compute(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(median_absolute_error(y_true, y_pred))


class Spearman(RegressionMetric):
    """Spearman's ``ρ``: the Pearson correlation of the ranks (paper 001 §4.3, paper 004 eq. 23)::

        ρ = Σ_i (r_i − r̄)(ŕ_i − ŕ̄) / sqrt(Σ_i (r_i − r̄)² · Σ_i (ŕ_i − ŕ̄)²)

    with ``r`` the ascending ranks of ``y`` and ``ŕ`` those of ``ŷ``, ties given their average
    rank. Without ties this equals ``1 − 6 Σ d_i² / (n(n² − 1))``.

    A constant prediction (the ``random`` row: the training mean) ranks nothing; it scores 0,
    its expectation when the ties are broken uniformly at random (as ``ranking.py`` treats a
    constant scorer), so oracle-normalised Spearman has a defined random row. NaN when the
    true targets are constant or ``n < 2`` (nothing to rank against).
    """

    name = "spearman"
    smaller_is_better = False

    def compute(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        if len(y_true) < 2 or np.all(y_true == y_true[0]):
            return float("nan")
        if np.all(y_pred == y_pred[0]):
            return 0.0
        return float(spearmanr(y_true, y_pred).statistic)


REGRESSION_METRICS: dict[str, type[RegressionMetric]] = {
    metric.name: metric
    for metric in (MeanSquaredError, MeanAbsoluteError, MedianAbsoluteError, Spearman)
}


def regression_metric(name: str) -> RegressionMetric:
    """The registered metric called ``name``."""
    try:
        return REGRESSION_METRICS[name]()
    except KeyError:
        raise KeyError(
            f"unknown regression metric {name!r}; known: {sorted(REGRESSION_METRICS)}"
        ) from None


def regression_metrics(
    y_true: ArrayLike, y_pred: ArrayLike, metrics: Sequence[str]
) -> dict[str, float]:
    """Each named metric of ``y_pred`` against ``y_true``."""
    return {name: regression_metric(name)(y_true, y_pred) for name in metrics}


def _checked(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(y_true, dtype=np.float64).ravel()
    pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"{len(true)} targets but {len(pred)} predictions")
    if len(true) == 0:
        raise ValueError("no targets to evaluate")
    if np.isnan(true).any() or np.isnan(pred).any():
        raise ValueError("targets and predictions must not be NaN")
    return true, pred
