"""``gbdt``: gradient-boosted trees on every tabular and embedding feature of a tweet.

Not a model of the papers: the strong simple baseline that popularity competitions are known
for. Paper 004 compares against one (§4.4, Baseline 4: "Feature Generalization Framework with
Combined Catboost", Table 2) and cites SMPD entries built on XGBoost and LightGBM ([3], [15]).
We use scikit-learn's ``HistGradientBoostingRegressor`` with squared error, on a matrix the
caller assembles with :func:`feature_matrix` from tabular columns (counts, account age,
posting time, ...) and embeddings (CLIP image and text, ...).

Early stopping: with a validation split the model is first boosted for ``max_iter`` rounds,
the number of rounds with the lowest validation MSE is read off ``staged_predict``, and the
model is refitted with exactly that many rounds; this is deterministic and independent of the
scikit-learn version. Without one, all ``max_iter`` rounds are kept (sklearn's own internal
early stopping, which holds out a random part of the training rows, is off). Trees need no
feature scaling, so there is no scaler in front.

Once fitted, the trees are kept as arrays (:class:`BoostedTrees`, which predicts exactly as
the booster), so a fitted model saves as JSON and arrays (:meth:`GBDTRegressor.state`) and
loads without unpickling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from pop_pipeline.ml.models.regression.boosted_trees import BoostedTrees

CONVERSION_CHECK_ROWS = 256  # training rows the converted trees are checked on


@dataclass(frozen=True)
class GBDTConfig:
    """Hyperparameters of :class:`GBDTRegressor`."""

    max_iter: int = 500  # most boosting rounds
    learning_rate: float = 0.05  # shrinkage of each tree
    max_leaf_nodes: int = 31  # leaves per tree
    min_samples_leaf: int = 20  # rows per leaf at least
    l2_regularization: float = 0.0  # L2 penalty on leaf values
    seed: int = 0  # random_state of the booster


def feature_matrix(
    tabular: pd.DataFrame, embeddings: Mapping[str, npt.ArrayLike] | None = None
) -> tuple[np.ndarray, list[str]]:
    """``[N, F]`` float matrix and the feature names: the numeric ``tabular`` columns (booleans
    as 0/1), then each embedding ``name`` as columns ``name_0 … name_{d−1}``.

    Raises:
        ValueError: a column is not numeric or boolean, or an embedding has another row count.
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in tabular.columns:
        values = tabular[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise ValueError(f"tabular column {column!r} is not numeric")
        blocks.append(values.to_numpy(dtype=np.float64).reshape(-1, 1))
        names.append(str(column))
    for name, embedding in (embeddings or {}).items():
        matrix = np.asarray(embedding, dtype=np.float64)
        if matrix.ndim != 2 or len(matrix) != len(tabular):
            raise ValueError(f"embedding {name!r} {matrix.shape} does not have {len(tabular)} rows")
        blocks.append(matrix)
        names.extend(f"{name}_{i}" for i in range(matrix.shape[1]))
    if not blocks:
        raise ValueError("no features")
    return np.hstack(blocks), names


@dataclass
class GBDTRegressor:
    """Boosted trees with validation-chosen rounds; see the module docstring."""

    config: GBDTConfig = field(default_factory=GBDTConfig)
    feature_names: list[str] = field(default_factory=list)  # as given to fit, for importances
    trees: BoostedTrees | None = None  # the fitted booster's trees, once fitted
    best_iteration: int | None = None  # rounds kept, chosen on validation; None without it

    def fit(
        self,
        features: npt.ArrayLike,
        targets: npt.ArrayLike,
        *,
        validation: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
        feature_names: Sequence[str] = (),
    ) -> Self:
        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(targets, dtype=np.float64)
        if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
            raise ValueError(f"features {x.shape} do not match {len(y)} targets (need > 0)")
        if np.isnan(y).any():
            raise ValueError("training targets must not be NaN")
        self.feature_names = list(feature_names)
        booster = self._booster(self.config).fit(x, y)
        self.best_iteration = None
        if validation is not None:
            x_val = np.asarray(validation[0], dtype=np.float64)
            y_val = np.asarray(validation[1], dtype=np.float64)
            losses = [
                float(np.mean((stage - y_val) ** 2)) for stage in booster.staged_predict(x_val)
            ]
            self.best_iteration = int(np.argmin(losses)) + 1
            if self.best_iteration < booster.n_iter_:
                rounds = replace(self.config, max_iter=self.best_iteration)
                booster = self._booster(rounds).fit(x, y)
        self.trees = BoostedTrees.from_sklearn(booster, check_rows=x[:CONVERSION_CHECK_ROWS])
        return self

    def predict(self, features: npt.ArrayLike) -> np.ndarray:
        if self.trees is None:
            raise RuntimeError("gbdt is not fitted")
        return self.trees.predict(np.asarray(features, dtype=np.float64))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(params, arrays)`` of the fitted model: JSON values and the trees' arrays."""
        if self.trees is None:
            raise RuntimeError("gbdt is not fitted")
        trees, arrays = self.trees.state()
        params = {
            "config": asdict(self.config),
            "feature_names": self.feature_names,
            "best_iteration": self.best_iteration,
            "trees": trees,
        }
        return params, {f"trees.{name}": array for name, array in arrays.items()}

    @classmethod
    def from_state(
        cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> GBDTRegressor:
        trees = {k[len("trees.") :]: v for k, v in arrays.items() if k.startswith("trees.")}
        best = params["best_iteration"]
        return cls(
            config=GBDTConfig(**params["config"]),
            feature_names=[str(name) for name in params["feature_names"]],
            trees=BoostedTrees.from_state(params["trees"], trees),
            best_iteration=None if best is None else int(best),
        )

    @staticmethod
    def _booster(config: GBDTConfig) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            loss="squared_error",
            learning_rate=config.learning_rate,
            max_iter=config.max_iter,
            max_leaf_nodes=config.max_leaf_nodes,
            min_samples_leaf=config.min_samples_leaf,
            l2_regularization=config.l2_regularization,
            early_stopping=False,
            random_state=config.seed,
        )
