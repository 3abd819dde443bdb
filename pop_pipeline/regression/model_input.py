"""The input every registered regression model accepts: one row per raw tweet.

Columns (strings unless noted): ``tweet_id``, ``author_id``, ``created_at`` (ISO 8601),
``text`` (the caption), ``media_uri`` (local path or ``s3://`` URI of the photo),
``author_followers_count`` (integer); optionally ``category``, ``subcategory``, ``concept``
(the tweet's three category levels, DSN's hierarchical category embedding; unknown when
absent or empty). ``comments`` may be present (``read_prediction_input`` yields it) and is
ignored: no regression model reads replies.

Output (:data:`REGRESSION_OUTPUT_COLUMNS`): one row per input row, in input order —
``tweet_id``, ``prediction`` (float; NaN when the tweet could not be scored), ``reason`` (empty
when scored, else the quarantine reason code such as ``media_missing``) and ``message``.

The moment the popularity is predicted for (``observed_at``: hours elapsed are counted from
posting to it) is the pyfunc parameter ``observed_at`` (ISO 8601; empty: now, UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec

from pop_pipeline.regression.data.vocabularies import CATEGORY_LEVELS

REGRESSION_INPUT_COLUMNS = (
    "tweet_id",
    "author_id",
    "created_at",
    "text",
    "media_uri",
    "author_followers_count",
)
OPTIONAL_INPUT_COLUMNS = CATEGORY_LEVELS
REGRESSION_OUTPUT_COLUMNS = ("tweet_id", "prediction", "reason", "message")
OBSERVED_AT_PARAM = "observed_at"
DUPLICATE_TWEET = "duplicate_tweet_id"  # reason code: a tweet id seen earlier in the input


def regression_input_frame(tweets: pd.DataFrame) -> pd.DataFrame:
    """Select and type the input columns (the optional category levels kept when present).

    Raises:
        ValueError: a required column is missing.
    """
    missing = [column for column in REGRESSION_INPUT_COLUMNS if column not in tweets.columns]
    if missing:
        raise ValueError(f"regression input lacks columns: {', '.join(missing)}")
    present = [column for column in OPTIONAL_INPUT_COLUMNS if column in tweets.columns]
    frame = tweets[[*REGRESSION_INPUT_COLUMNS, *present]].copy()
    for column in frame.columns:
        if column == "author_followers_count":
            frame[column] = frame[column].fillna(0).astype(np.int64)
        elif column == "created_at":
            frame[column] = frame[column].map(
                lambda value: pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            )
        elif column in OPTIONAL_INPUT_COLUMNS:
            frame[column] = frame[column].map(
                lambda value: None if value is None or value != value or value == "" else str(value)
            )
        else:
            frame[column] = frame[column].astype(str)
    return frame.reset_index(drop=True)


def parse_observed_at(value: object) -> datetime:
    """``observed_at`` as an aware UTC datetime: ISO 8601 (naive = UTC), a datetime, or
    empty/``None`` for now.

    Raises:
        ValueError: an unparsable timestamp.
    """
    if value is None or value == "":
        return datetime.now(UTC)
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise ValueError(f"observed_at {value!r} is not an ISO 8601 time: {error}") from error
    if pd.isna(stamp):
        raise ValueError(f"observed_at {value!r} is not a time")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def regression_signature() -> ModelSignature:
    """The registered regression models' signature: the input columns (category levels
    optional), the output columns and the ``observed_at`` parameter."""
    inputs: list[ColSpec | TensorSpec] = [
        ColSpec("string", "tweet_id"),
        ColSpec("string", "author_id"),
        ColSpec("string", "created_at"),
        ColSpec("string", "text"),
        ColSpec("string", "media_uri"),
        ColSpec("long", "author_followers_count"),
        *(ColSpec("string", level, required=False) for level in OPTIONAL_INPUT_COLUMNS),
    ]
    outputs: list[ColSpec | TensorSpec] = [
        ColSpec("string", "tweet_id"),
        ColSpec("double", "prediction"),
        ColSpec("string", "reason"),
        ColSpec("string", "message"),
    ]
    return ModelSignature(
        inputs=Schema(inputs),
        outputs=Schema(outputs),
        params=ParamSchema([ParamSpec(OBSERVED_AT_PARAM, "string", "")]),
    )
