"""DSN's user information (paper 004 §3.6, Table 1): z-scored counts and one-hot posting time.

Each tweet's author is described by five numbers, z-scored with the training rows' means and
standard deviations, then three one-hot blocks of the posting time (UTC):

- ``log1p`` of the author's follower, following, tweet and listed counts (the counts are
  heavy-tailed, so we log them before z-scoring; the paper z-scores the raw values);
- the account's age in days at posting time (``created_at`` of the tweet minus the user's);
- month (12 slots), day of month (31) and hour (24) of posting.

The paper's other Table 1 entries (``Pathalias``, ``Ispro``, photo counts …) have no
counterpart in the Twitter API v2 records we read and are left out; its ``Uid`` embedding is
the model's learned user embedding (``USER_INDEX``), not part of this block.

A missing number (an unseen user at prediction time whose counts are unknown) becomes the
training mean, i.e. a z-score of 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

COUNT_COLUMNS = (
    "author_followers_count",
    "author_following_count",
    "author_tweet_count",
    "author_listed_count",
)
ACCOUNT_AGE = "account_age_days"
SCALED_FEATURES = (*COUNT_COLUMNS, ACCOUNT_AGE)  # the five z-scored numbers, in order
MONTHS, DAYS_OF_MONTH, HOURS = 12, 31, 24
USER_FEATURE_DIM = len(SCALED_FEATURES) + MONTHS + DAYS_OF_MONTH + HOURS  # 72
MONTH_OFFSET = len(SCALED_FEATURES)  # column of January
DAY_OFFSET = MONTH_OFFSET + MONTHS  # column of the 1st of the month
HOUR_OFFSET = DAY_OFFSET + DAYS_OF_MONTH  # column of 00:00–00:59


def unscaled_user_numbers(tweets: pd.DataFrame) -> np.ndarray:
    """``[N, 5]`` float64: log1p of the four author counts, then the account age in days.

    Needs the columns of :data:`COUNT_COLUMNS`, ``created_at`` (the tweet's) and
    ``author_created_at``; missing values stay NaN.
    """
    counts = tweets[list(COUNT_COLUMNS)].astype(float).to_numpy()
    age = (
        pd.to_datetime(tweets["created_at"]) - pd.to_datetime(tweets["author_created_at"])
    ).dt.total_seconds().to_numpy(dtype=float) / 86_400.0
    return np.column_stack([np.log1p(counts), age])


@dataclass(frozen=True)
class UserFeatureScaler:
    """Means and standard deviations of the five scaled numbers, fitted on training rows."""

    means: tuple[float, ...]  # one per SCALED_FEATURES entry
    stds: tuple[float, ...]  # one per entry; 1.0 where the training rows did not vary

    @classmethod
    def fit(cls, train_tweets: pd.DataFrame) -> UserFeatureScaler:
        """Statistics of the training tweets (one row per tweet, so prolific authors weigh
        more, as every post does in the paper's z-scoring over posts)."""
        values = unscaled_user_numbers(train_tweets)
        means = np.nan_to_num(np.nanmean(values, axis=0)) if len(values) else np.zeros(5)
        stds = np.nanstd(values, axis=0) if len(values) else np.ones(5)
        stds = np.where(np.isfinite(stds) & (stds > 0), stds, 1.0)
        return cls(means=tuple(map(float, means)), stds=tuple(map(float, stds)))

    def transform(self, tweets: pd.DataFrame) -> np.ndarray:
        """``[N, USER_FEATURE_DIM]`` float32: the five z-scores, then month, day, hour one-hots."""
        values = unscaled_user_numbers(tweets)
        scaled = np.nan_to_num((values - np.asarray(self.means)) / np.asarray(self.stds))
        posted = pd.to_datetime(tweets["created_at"])
        out = np.zeros((len(tweets), USER_FEATURE_DIM), dtype=np.float32)
        out[:, :MONTH_OFFSET] = scaled
        rows = np.arange(len(tweets))
        out[rows, MONTH_OFFSET + posted.dt.month.to_numpy() - 1] = 1.0
        out[rows, DAY_OFFSET + posted.dt.day.to_numpy() - 1] = 1.0
        out[rows, HOUR_OFFSET + posted.dt.hour.to_numpy()] = 1.0
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(SCALED_FEATURES),
            "means": list(self.means),
            "stds": list(self.stds),
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> UserFeatureScaler:
        if list(payload["features"]) != list(SCALED_FEATURES):
            raise ValueError(f"user scaler was fitted on {payload['features']}")
        return cls(
            means=tuple(float(v) for v in payload["means"]),
            stds=tuple(float(v) for v in payload["stds"]),
        )
