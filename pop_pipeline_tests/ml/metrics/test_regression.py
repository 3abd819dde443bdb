import math

import pytest

from pop_pipeline.ml.metrics.regression import (
    REGRESSION_METRICS,
    regression_metric,
    regression_metrics,
)

Y = [1.0, 2.0, 3.0, 4.0]
P = [1.5, 1.0, 3.0, 6.0]  # errors 0.5, −1, 0, 2


def test_hand_values():
    values = regression_metrics(Y, P, ["mse", "mae", "medae"])
    # squared errors 0.25, 1, 0, 4 → mean 5.25 / 4
    assert values["mse"] == pytest.approx(1.3125)
    # absolute errors 0.5, 1, 0, 2 → mean 3.5 / 4
    assert values["mae"] == pytest.approx(0.875)
    # sorted 0, 0.5, 1, 2 → mean of the two middle ones
    assert values["medae"] == pytest.approx(0.75)


def test_spearman_without_ties_matches_the_d_squared_formula():
    # ranks of Y: 1 2 3 4; ranks of P: 2 1 3 4 → d = (−1, 1, 0, 0), Σd² = 2
    # ρ = 1 − 6·2 / (4·15) = 0.8
    assert regression_metric("spearman")(Y, P) == pytest.approx(0.8)


def test_spearman_with_ties_uses_average_ranks():
    y = [1.0, 2.0, 3.0]
    p = [5.0, 5.0, 7.0]  # ranks 1.5, 1.5, 3
    # centred ranks: y (−1, 0, 1), p (−0.5, −0.5, 1); Σab = 0.5 + 0 + 1 = 1.5
    # Σa² = 2, Σb² = 1.5 → ρ = 1.5 / sqrt(3) = 0.8660
    assert regression_metric("spearman")(y, p) == pytest.approx(1.5 / math.sqrt(3.0))


def test_spearman_of_reversed_and_constant_predictions():
    assert regression_metric("spearman")(Y, Y[::-1]) == pytest.approx(-1.0)
    assert regression_metric("spearman")(Y, [2.0] * 4) == 0.0  # the random row
    assert math.isnan(regression_metric("spearman")([2.0] * 4, Y))  # nothing to rank
    assert math.isnan(regression_metric("spearman")([1.0], [1.0]))


def test_direction_flags():
    assert {n: m.smaller_is_better for n, m in REGRESSION_METRICS.items()} == {
        "mse": True,
        "mae": True,
        "medae": True,
        "spearman": False,
    }


def test_rejects_nan_mismatch_empty_and_unknown():
    with pytest.raises(ValueError, match="NaN"):
        regression_metric("mae")([1.0, 2.0], [1.0, float("nan")])
    with pytest.raises(ValueError, match="2 targets but 1"):
        regression_metric("mae")([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="no targets"):
        regression_metric("mae")([], [])
    with pytest.raises(KeyError, match="unknown regression metric"):
        regression_metric("rmse")
