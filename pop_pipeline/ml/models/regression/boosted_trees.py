"""Fitted regression trees of a boosted ensemble as plain arrays.

:meth:`BoostedTrees.from_sklearn` reads the trees of a fitted scikit-learn
``HistGradientBoostingRegressor`` (squared error, numeric features): per node its split
feature, raw threshold, the side missing values go to, its children and, for leaves, the
value (the learning rate already applied). The nodes of every tree are concatenated, child
indices made global, so the ensemble saves as named arrays plus a JSON baseline
(:meth:`state`, :meth:`from_state`) and loads without unpickling. :meth:`predict` walks the
trees as scikit-learn's raw-data predictor does (``x <= threshold`` goes left, NaN follows
``missing_left``) and adds the leaves to the baseline in tree order, so its predictions are
the booster's, bit for bit.

scikit-learn keeps the trees in private attributes (``_predictors``, ``_baseline_prediction``);
the conversion checks its own predictions against ``booster.predict`` on the training rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingRegressor

NODE_ARRAYS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")


@dataclass(frozen=True)
class BoostedTrees:
    """``baseline + Σ_trees leaf value``; node arrays are indexed globally."""

    baseline: float  # the constant the boosting starts from (mean training target)
    n_features: int
    roots: np.ndarray  # [T] int64: each tree's root node
    feature: np.ndarray  # [nodes] int64: split feature (unused at leaves)
    threshold: np.ndarray  # [nodes] float64: x <= threshold goes left
    missing_left: np.ndarray  # [nodes] bool: NaN goes left
    left: np.ndarray  # [nodes] int64
    right: np.ndarray  # [nodes] int64
    is_leaf: np.ndarray  # [nodes] bool
    value: np.ndarray  # [nodes] float64: leaf value

    @property
    def n_trees(self) -> int:
        return len(self.roots)

    @classmethod
    def from_sklearn(
        cls, booster: HistGradientBoostingRegressor, check_rows: npt.ArrayLike | None = None
    ) -> BoostedTrees:
        """The trees of a fitted squared-error booster on numeric features.

        Raises:
            ValueError: categorical splits, another loss, or predictions on ``check_rows``
                that differ from the booster's.
        """
        if booster.loss != "squared_error":
            raise ValueError(f"only squared-error boosters convert, not {booster.loss!r}")
        categorical = getattr(booster, "is_categorical_", None)
        if categorical is not None and np.any(categorical):
            raise ValueError("boosters with categorical features do not convert")
        parts: dict[str, list[np.ndarray]] = {name: [] for name in NODE_ARRAYS}
        roots, offset = [], 0
        for iteration in booster._predictors:
            (predictor,) = iteration  # one tree per iteration in regression
            nodes = predictor.nodes
            roots.append(offset)
            parts["feature"].append(nodes["feature_idx"].astype(np.int64))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            parts["left"].append(nodes["left"].astype(np.int64) + offset)
            parts["right"].append(nodes["right"].astype(np.int64) + offset)
            parts["is_leaf"].append(nodes["is_leaf"].astype(bool))
            parts["value"].append(nodes["value"].astype(np.float64))
            offset += len(nodes)
        arrays = {
            name: np.concatenate(values) if values else np.zeros(0, dtype=_DTYPES[name])
            for name, values in parts.items()
        }
        trees = cls(
            baseline=float(np.asarray(booster._baseline_prediction).reshape(-1)[0]),
            n_features=int(booster.n_features_in_),
            roots=np.asarray(roots, dtype=np.int64),
            **arrays,
        )
        _check_structure(trees)
        if check_rows is not None:
            rows = np.asarray(check_rows, dtype=np.float64)
            if not np.array_equal(trees.predict(rows), booster.predict(rows)):
                raise ValueError("the converted trees do not predict as the booster does")
        return trees

    def predict(self, features: npt.ArrayLike) -> np.ndarray:
        """One value per row of ``features`` ``[N, n_features]``."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"features {x.shape} do not have {self.n_features} columns")
        out = np.zeros(len(x), dtype=np.float64)
        out += self.baseline
        rows = np.arange(len(x))
        for root in self.roots:
            node = np.full(len(x), root, dtype=np.int64)
            active = ~self.is_leaf[node]
            while active.any():
                at = node[active]
                values = x[rows[active], self.feature[at]]
                go_left = np.where(
                    np.isnan(values), self.missing_left[at], values <= self.threshold[at]
                )
                node[active] = np.where(go_left, self.left[at], self.right[at])
                active = ~self.is_leaf[node]
            out += self.value[node]
        return out

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(params, arrays)``: JSON values and named arrays (:meth:`from_state`)."""
        arrays = {name: getattr(self, name) for name in ("roots", *NODE_ARRAYS)}
        return {"baseline": self.baseline, "n_features": self.n_features}, arrays

    @classmethod
    def from_state(
        cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> BoostedTrees:
        trees = cls(
            baseline=float(params["baseline"]),
            n_features=int(params["n_features"]),
            roots=np.asarray(arrays["roots"], dtype=np.int64),
            **{name: np.asarray(arrays[name], dtype=_DTYPES[name]) for name in NODE_ARRAYS},
        )
        _check_structure(trees)
        return trees


def _check_structure(trees: BoostedTrees) -> None:
    """Raise ``ValueError`` unless every array has one entry per node, roots and children are
    nodes, each child comes after its parent (so every walk ends) and split features exist."""
    sizes = {len(getattr(trees, name)) for name in NODE_ARRAYS}
    if len(sizes) != 1:
        raise ValueError(f"boosted-tree arrays of different lengths {sorted(sizes)}")
    size = sizes.pop()
    internal = np.flatnonzero(~trees.is_leaf)
    children_ok = all(
        np.all((child[internal] > internal) & (child[internal] < size))
        for child in (trees.left, trees.right)
    )
    features = trees.feature[internal]
    if (
        not children_ok
        or np.any((trees.roots < 0) | (trees.roots >= size))
        or np.any((features < 0) | (features >= trees.n_features))
    ):
        raise ValueError("inconsistent boosted-tree arrays")


_DTYPES = {
    "feature": np.int64,
    "threshold": np.float64,
    "missing_left": np.bool_,
    "left": np.int64,
    "right": np.int64,
    "is_leaf": np.bool_,
    "value": np.float64,
}
