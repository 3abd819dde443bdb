"""oracle_normalised: 0 at the random row, 1 at the oracle row, NaN when undefined."""

import math

import pytest

from pop_pipeline.ml.metrics.oracle_normalised import oracle_normalised


def test_oracle_normalised_bigger_and_smaller_is_better():
    # Spearman: random 0, oracle 0.8, model 0.6 → 0.75
    assert oracle_normalised(0.6, 0.0, 0.8) == pytest.approx(0.75)
    # MAE: random 2.0, oracle 1.0, model 1.5 → (−0.5)/(−1) = 0.5; worse than random → negative
    assert oracle_normalised(1.5, 2.0, 1.0) == pytest.approx(0.5)
    assert oracle_normalised(2.5, 2.0, 1.0) == pytest.approx(-0.5)
    assert oracle_normalised(1.0, 2.0, 1.0) == pytest.approx(1.0)


def test_oracle_normalised_undefined():
    assert math.isnan(oracle_normalised(0.5, 1.0, 1.0))
    assert math.isnan(oracle_normalised(0.5, float("nan"), 1.0))


def test_oracle_normalised_by_keyword():
    assert oracle_normalised(0.7, random=0.5, oracle=0.9) == pytest.approx(0.5)
    assert oracle_normalised(0.5, random=0.5, oracle=0.9) == 0.0
    assert oracle_normalised(0.9, random=0.5, oracle=0.9) == pytest.approx(1.0)
    assert oracle_normalised(0.3, random=0.5, oracle=0.9) == pytest.approx(-0.5)
    assert math.isnan(oracle_normalised(0.6, random=0.5, oracle=0.5))
