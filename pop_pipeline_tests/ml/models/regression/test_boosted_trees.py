import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor

from pop_pipeline.ml.models.regression.boosted_trees import BoostedTrees


def data(n: int, seed: int, missing: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = 2.0 * (x[:, 0] > 0) + x[:, 1] ** 2 + 0.1 * rng.normal(size=n)
    x[rng.random(size=x.shape) < missing] = np.nan  # missing values take the learned side
    return x, y


@pytest.fixture(scope="module")
def booster() -> HistGradientBoostingRegressor:
    x, y = data(400, 0)
    return HistGradientBoostingRegressor(max_iter=30, early_stopping=False, random_state=0).fit(
        x, y
    )


def test_predicts_exactly_as_the_booster(booster):
    trees = BoostedTrees.from_sklearn(booster, check_rows=data(50, 3)[0])
    x_test, _ = data(300, 1)
    x_test[0] = np.inf
    assert trees.n_trees == booster.n_iter_ == 30
    np.testing.assert_array_equal(trees.predict(x_test), booster.predict(x_test))


def test_state_round_trip_is_exact_and_checked(booster):
    trees = BoostedTrees.from_sklearn(booster)
    params, arrays = trees.state()
    again = BoostedTrees.from_state(params, {k: v.copy() for k, v in arrays.items()})
    x_test, _ = data(100, 2)
    np.testing.assert_array_equal(again.predict(x_test), trees.predict(x_test))
    looping = {**arrays, "left": np.where(arrays["is_leaf"], arrays["left"], 0)}
    with pytest.raises(ValueError, match="inconsistent"):
        BoostedTrees.from_state(params, looping)  # a child before its parent: a cycle
    with pytest.raises(ValueError, match="different lengths"):
        BoostedTrees.from_state(params, {**arrays, "value": arrays["value"][:-1]})
    with pytest.raises(ValueError, match="columns"):
        trees.predict(x_test[:, :2])


def test_other_losses_are_refused():
    x, y = data(100, 4, missing=0.0)
    absolute = HistGradientBoostingRegressor(loss="absolute_error", max_iter=3).fit(x, y)
    with pytest.raises(ValueError, match="squared-error"):
        BoostedTrees.from_sklearn(absolute)
