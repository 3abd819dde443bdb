"""Popularity-regression targets of papers 001 (retweets, likes) and 002/004 (popularity score).

Per image tweet (the frame of ``hybrid_cnn_filters.filter_image_tweets``: ``tweet_id``,
``retweet_count``, ``like_count``, ``impression_count``, ``days_since_posting``):

``retweets_normalised``  ``retweet_count / max(retweet_count)`` over the frame (paper 001 §4.1:
                        "normalized by their maximum values"); likewise ``likes_normalised``
``log_retweets``         ``log1p(retweet_count)``; likewise ``log_likes``
``popularity_score``     ``log2(impression_count / days_since_posting + 1)``: views per day,
                        log-scaled (paper 002 eq. 24, §4.1.2; views = impressions). Paper 004
                        eq. 1 prints ``log2(r/d) + 1``, undefined for a tweet nobody viewed;
                        we read it as eq. 24 (DESIGN.md: one score for both papers)

Which target is trained and evaluated (:data:`POPULARITY_TARGETS`): the models of paper 001
train on and are evaluated on ``log_retweets`` / ``log_likes``, not the max-normalised counts.
The oracle row (``WorldOracle.expected_popularity``) is the Monte Carlo mean of
``log1p(retweets)`` and ``log1p(likes)`` (``expected_log_retweets``, ``expected_log_likes``),
so only the log1p scale makes the oracle's predictions comparable to a model's; the
``expected_popularity_score`` column is the oracle of ``popularity_score`` on the very formula
above. Spearman is the same on either scale (``count / max`` and ``log1p(count)`` are both
increasing in the count), so paper 001's Spearman is unaffected by this choice; its median
absolute error is not: ours is in log1p units, the paper's in units of the maximum count
(its 0.074 is not comparable to ours). The normalised columns are kept for the paper's own
scale. The maximum is taken over the whole frame given, as the paper does (a mild look at the
test tweets that affects only the normalised columns).

Missing or invalid inputs raise :class:`PopularityTargetError` naming the tweets; nothing
becomes NaN silently: a non-positive or missing ``days_since_posting`` (a score per day is
undefined), a missing or negative count. An impression count of 0 is taken as "no views"
(score 0): the raw format cannot tell it from an absent count (``records.parse_count``
defaults a missing count to 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COUNT_COLUMNS = ("retweet_count", "like_count", "impression_count")
REQUIRED_COLUMNS = ("tweet_id", *COUNT_COLUMNS, "days_since_posting")
TARGET_COLUMNS = (
    "retweets_normalised",
    "likes_normalised",
    "log_retweets",
    "log_likes",
    "popularity_score",
)


@dataclass(frozen=True)
class PopularityTarget:
    """A target that models train on, with the oracle column that predicts it best."""

    name: str  # the column of :func:`popularity_targets` models regress on
    oracle_column: str  # the WorldOracle.expected_popularity column on the same scale
    papers: tuple[str, ...]  # the protocols (regression.protocols.PROTOCOLS) evaluating it


POPULARITY_TARGETS: dict[str, PopularityTarget] = {
    target.name: target
    for target in (
        PopularityTarget("log_retweets", "expected_log_retweets", ("paper001",)),
        PopularityTarget("log_likes", "expected_log_likes", ("paper001",)),
        PopularityTarget("popularity_score", "expected_popularity_score", ("paper002", "paper004")),
    )
}


class PopularityTargetError(ValueError):
    """Some tweets cannot be given a target; ``tweet_ids`` lists them, ``reason`` says why."""

    def __init__(self, reason: str, tweet_ids: list[str]) -> None:
        shown = ", ".join(tweet_ids[:5]) + (" …" if len(tweet_ids) > 5 else "")
        super().__init__(f"{reason} for {len(tweet_ids)} tweet(s): {shown}")
        self.reason = reason
        self.tweet_ids = tweet_ids


def popularity_targets(image_tweets: pd.DataFrame) -> pd.DataFrame:
    """One row per tweet (input order): ``tweet_id`` and the :data:`TARGET_COLUMNS`.

    Raises:
        ValueError: a required column is missing.
        PopularityTargetError: a count is missing or negative, or ``days_since_posting`` is
            missing or not positive.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in image_tweets.columns]
    if missing:
        raise ValueError(f"image tweets lack columns {missing}")
    ids = image_tweets["tweet_id"].astype(str)
    counts = {}
    for column in COUNT_COLUMNS:
        values = pd.to_numeric(image_tweets[column], errors="coerce").astype(np.float64)
        _refuse(ids, values.isna(), f"missing {column}")
        _refuse(ids, values < 0, f"negative {column}")
        counts[column] = values.to_numpy()
    days = pd.to_numeric(image_tweets["days_since_posting"], errors="coerce").astype(np.float64)
    _refuse(ids, days.isna() | (days <= 0), "days_since_posting missing or not positive")
    retweets, likes = counts["retweet_count"], counts["like_count"]
    return pd.DataFrame(
        {
            "tweet_id": ids.to_numpy(),
            "retweets_normalised": _by_max(retweets),
            "likes_normalised": _by_max(likes),
            "log_retweets": np.log1p(retweets),
            "log_likes": np.log1p(likes),
            "popularity_score": np.log2(counts["impression_count"] / days.to_numpy() + 1.0),
        }
    )


def _by_max(counts: np.ndarray) -> np.ndarray:
    """``count / max``; all zeros when the maximum is 0 (nothing to scale by)."""
    peak = float(counts.max()) if len(counts) else 0.0
    return counts / peak if peak > 0 else np.zeros_like(counts)


def _refuse(ids: pd.Series, bad: pd.Series, reason: str) -> None:
    if bool(bad.any()):
        raise PopularityTargetError(reason, ids[bad.to_numpy()].tolist())
