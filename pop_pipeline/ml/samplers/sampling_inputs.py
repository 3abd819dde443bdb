"""The frames samplers read, normalised, and the integer-key helpers they share.

Ids become ``str`` and times int64 nanoseconds since the epoch (naive = UTC); users and tweets
become integer codes so that membership tests (did user u act on tweet t? does u follow a?)
are ``searchsorted`` over sorted int64 keys rather than Python sets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pop_pipeline.ml.samplers.base import SHORT_COLUMNS


def check_n_negatives(n_negatives: int) -> None:
    if n_negatives < 1:
        raise ValueError(f"n_negatives must be at least 1, got {n_negatives}")


def utc_nanoseconds(values: pd.Series) -> np.ndarray:
    """Timestamps (datetimes or ISO 8601 strings) as int64 ns since the epoch; naive = UTC."""
    stamps = pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_convert(None)
    if stamps.isna().any():
        raise ValueError(f"missing timestamps in {values.name!r}")
    return stamps.to_numpy().astype("datetime64[ns]").astype(np.int64)


def sorted_positives(positives: pd.DataFrame) -> pd.DataFrame:
    """The positives as ``user_id``/``tweet_id`` strings plus ``_t`` (retweeted_at in ns),
    sorted by (user, time, tweet) so a draw does not depend on the input's row order."""
    frame = positives[["user_id", "tweet_id", "retweeted_at"]].astype(
        {"user_id": str, "tweet_id": str}
    )
    frame = frame.assign(_t=utc_nanoseconds(frame["retweeted_at"]))
    return frame.sort_values(["user_id", "_t", "tweet_id"], kind="stable").reset_index(drop=True)


def sorted_tweets(tweets: pd.DataFrame) -> pd.DataFrame:
    """Distinct tweets as strings plus ``_t`` (created_at in ns), sorted by (time, tweet id)."""
    frame = tweets[["tweet_id", "author_id", "created_at"]].astype(
        {"tweet_id": str, "author_id": str}
    )
    frame = frame.drop_duplicates("tweet_id")
    frame = frame.assign(_t=utc_nanoseconds(frame["created_at"]))
    return frame.sort_values(["_t", "tweet_id"], kind="stable").reset_index(drop=True)


def acted_pairs(positives: pd.DataFrame, acted: pd.DataFrame | None) -> pd.DataFrame:
    """(user_id, tweet_id) strings of every action: ``acted`` plus the positives themselves."""
    frames = [positives[["user_id", "tweet_id"]]]
    if acted is not None:
        frames.append(acted[["user_id", "tweet_id"]])
    return pd.concat(frames, ignore_index=True).astype(str)


def encode(values: pd.Series | np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Index of each value in the distinct ``categories`` (-1 when absent)."""
    return pd.Categorical(values, categories=categories).codes.astype(np.int64)


def pair_keys(first: np.ndarray, second: np.ndarray, n_second: int) -> np.ndarray:
    """One int64 key per (first, second) code pair; -1 where either code is -1."""
    keys = first * max(n_second, 1) + second
    return np.where((first >= 0) & (second >= 0), keys, -1)


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in the sorted, distinct ``sorted_keys``."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def exclusive_cumsum(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    return np.cumsum(counts) - counts


def short_frame(
    positives: pd.DataFrame, rows: np.ndarray, n_found: np.ndarray, reason: str | np.ndarray
) -> pd.DataFrame:
    """The :data:`SHORT_COLUMNS` frame of ``positives.iloc[rows]`` (a :func:`sorted_positives`
    frame) with their candidate counts and reasons."""
    short = positives.iloc[rows][["user_id", "tweet_id", "retweeted_at"]]
    short = short.rename(columns={"tweet_id": "pos_tweet_id"})
    return short.assign(n_found=np.asarray(n_found, dtype=np.int64), reason=reason).reset_index(
        drop=True
    )[SHORT_COLUMNS]
