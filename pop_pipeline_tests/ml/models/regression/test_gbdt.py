import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.models.regression.gbdt import GBDTConfig, GBDTRegressor, feature_matrix


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = 1(x0 > 0) · 2 + x1² (a step and a curve, easy for trees)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, 2.0 * (x[:, 0] > 0) + x[:, 1] ** 2


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a - b) ** 2))


def test_feature_matrix_columns_and_names():
    tabular = pd.DataFrame({"followers": [10, 20], "verified": [True, False]})
    matrix, names = feature_matrix(tabular, {"img": [[0.1, 0.2], [0.3, 0.4]]})
    assert names == ["followers", "verified", "img_0", "img_1"]
    assert matrix.tolist() == [[10.0, 1.0, 0.1, 0.2], [20.0, 0.0, 0.3, 0.4]]
    with pytest.raises(ValueError, match="not numeric"):
        feature_matrix(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(ValueError, match="rows"):
        feature_matrix(tabular, {"img": [[0.1]]})


def test_learns_better_than_the_mean_and_is_deterministic():
    (x, y), (x_test, y_test) = data(400, 0), data(200, 1)
    config = GBDTConfig(max_iter=100, learning_rate=0.1)
    first = GBDTRegressor(config).fit(x, y).predict(x_test)
    assert mse(first, y_test) < 0.2 * mse(np.full(200, y.mean()), y_test)
    np.testing.assert_array_equal(first, GBDTRegressor(config).fit(x, y).predict(x_test))


def test_validation_chooses_the_number_of_rounds():
    (x, y), (x_val, y_val) = data(300, 0), data(100, 2)
    noise = np.random.default_rng(3).normal(scale=3.0, size=300)
    # noisy training targets: many rounds overfit, the validation picks fewer
    model = GBDTRegressor(GBDTConfig(max_iter=200, learning_rate=0.3, min_samples_leaf=2))
    model.fit(x, y + noise, validation=(x_val, y_val))
    assert model.best_iteration is not None and model.best_iteration < 200
    assert model.trees.n_trees == model.best_iteration
    full = GBDTRegressor(GBDTConfig(max_iter=200, learning_rate=0.3, min_samples_leaf=2))
    full.fit(x, y + noise)
    assert mse(model.predict(x_val), y_val) < mse(full.predict(x_val), y_val)


def test_refuses_unfitted_and_misaligned_use():
    with pytest.raises(RuntimeError, match="not fitted"):
        GBDTRegressor().predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="do not match"):
        GBDTRegressor().fit(np.zeros((3, 2)), np.zeros(2))
