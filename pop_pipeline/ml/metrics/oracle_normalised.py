"""Scores on the scale between the random row (0) and the oracle row (1) of a metrics table."""

from __future__ import annotations

import numpy as np


def oracle_normalised(model: float, random: float, oracle: float) -> float:
    """``(model − random) / (oracle − random)``: 0 = the random row, 1 = the oracle row.

    The same formula serves smaller-is-better metrics: there the oracle's value is below the
    random one, numerator and denominator are both negative for a model better than random,
    and the ratio is again positive (e.g. MAE random 2, oracle 1, model 1.5 → 0.5). NaN when
    ``oracle == random`` (nothing to normalise by) or any input is NaN.
    """
    if any(np.isnan(value) for value in (model, random, oracle)) or oracle == random:
        return float("nan")
    return (model - random) / (oracle - random)
