import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from pop_pipeline.ml.models.regression.kernel_svr import KernelSVR, scale_gamma


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)) * [1.0, 10.0, 0.1, 3.0, 1.0]
    x[:, 4] = 2.0  # a constant column: its scale is 1
    return x, np.sin(x[:, 0]) + 0.1 * x[:, 1]


@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_predicts_as_the_sklearn_pipeline_it_was_fitted_with(kernel):
    (x, y), (x_test, _) = data(200, 0), data(1100, 1)  # more rows than one predict batch
    model = KernelSVR.fit(x, y, kernel=kernel, c=3.0, epsilon=0.05)
    gamma = scale_gamma(StandardScaler().fit_transform(x))
    reference = make_pipeline(StandardScaler(), SVR(kernel=kernel, C=3.0, epsilon=0.05))
    reference.fit(x, y)  # sklearn's own gamma="scale"
    assert model.gamma == pytest.approx(gamma)
    np.testing.assert_allclose(model.predict(x_test), reference.predict(x_test), rtol=1e-9)
    assert np.ptp(model.predict(x_test)) > 0.5


def test_state_round_trip_is_exact_and_checked():
    x, y = data(80, 2)
    model = KernelSVR.fit(x, y, kernel="rbf", c=1.0, epsilon=0.1)
    params, arrays = model.state()
    again = KernelSVR.from_state(params, {k: v.copy() for k, v in arrays.items()})
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    with pytest.raises(ValueError, match="unsupported SVR kernel"):
        KernelSVR.from_state({**params, "kernel": "poly"}, arrays)
    with pytest.raises(ValueError, match="columns"):
        model.predict(x[:, :3])
