"""The ``mlflow.pyfunc.PythonModel`` of every registered regression model (``pop-dsn``, ...).

It loads the :class:`~pop_pipeline.regression.packages.RegressionPackage` from the
model's ``package`` artifact and predicts the package's target for the raw tweets of
:mod:`pop_pipeline.regression.model_input`. Like the ranking pyfuncs, a regression
prediction returns one row per input row, in input order: a tweet that cannot be scored gets a
NaN ``prediction`` and its quarantine ``reason`` and ``message``, so one bad photo never costs
the batch.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

import pop_pipeline.settings  # noqa: F401  (telemetry off in serving processes too)
from pop_pipeline.registry.model_code import PACKAGE_ARTIFACT
from pop_pipeline.regression.model_input import (
    DUPLICATE_TWEET,
    OBSERVED_AT_PARAM,
    REGRESSION_OUTPUT_COLUMNS,
    parse_observed_at,
    regression_input_frame,
)
from pop_pipeline.regression.packages import RegressionPackage


class RegressionPyfunc(PythonModel):
    """A regression package as a registered model: raw tweets in, one prediction per row out."""

    package: RegressionPackage

    def load_context(self, context: Any) -> None:
        self.package = RegressionPackage.load(Path(context.artifacts[PACKAGE_ARTIFACT]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """``tweet_id``, ``prediction`` (NaN when quarantined), ``reason``, ``message``.

        ``params["observed_at"]``: the ISO 8601 time the popularity is predicted for
        (empty or absent: now, UTC).
        """
        observed_at = parse_observed_at((params or {}).get(OBSERVED_AT_PARAM))
        return predict_rows(self.package, pd.DataFrame(model_input), observed_at=observed_at)


def predict_rows(
    package: RegressionPackage, tweets: pd.DataFrame, *, observed_at: datetime
) -> pd.DataFrame:
    """The package's predictions, one row per row of ``tweets`` (:class:`RegressionPyfunc`)."""
    frame = regression_input_frame(tweets)
    predictions, quarantine = package.predict(frame, observed_at=observed_at)
    scored = dict(zip(predictions["tweet_id"], predictions["prediction"], strict=True))
    first_rows = quarantine[quarantine["reason"] != DUPLICATE_TWEET]
    reasons = {row.tweet_id: (row.reason, row.message) for row in first_rows.itertuples()}
    repeated = frame["tweet_id"].duplicated().to_numpy()
    values, reason_column, messages = [], [], []
    for tweet_id, is_repeat in zip(frame["tweet_id"], repeated, strict=True):
        if is_repeat:
            reason, message = DUPLICATE_TWEET, "the tweet id occurs earlier in the input"
        elif tweet_id in scored:
            reason, message = "", ""
        else:
            reason, message = reasons[tweet_id]
        values.append(float(scored[tweet_id]) if not reason else np.nan)
        reason_column.append(str(reason))
        messages.append(str(message))
    return pd.DataFrame(
        {
            "tweet_id": frame["tweet_id"],
            "prediction": np.asarray(values, dtype=np.float64),
            "reason": reason_column,
            "message": messages,
        }
    )[list(REGRESSION_OUTPUT_COLUMNS)]
