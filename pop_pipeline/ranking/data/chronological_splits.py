"""Chronological train/test splits of retweets (AMNL §III-A-1; DESIGN.md protocols).

AMNL sorts all retweet actions by time and trains on the first 60, 70 or 80 % of them; the
rest is the test set, so training never sees the future. Ties in time are broken by retweet id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from pop_pipeline.ranking.protocols import AMNL_TRAIN_FRACTIONS
from pop_pipeline.storage.duckdb_store import DuckDBStore


def chronological_retweet_splits(
    retweets: pd.DataFrame, train_fractions: Sequence[float] = AMNL_TRAIN_FRACTIONS
) -> pd.DataFrame:
    """One row per (train_fraction, retweet) with ``split`` = ``train`` or ``test``."""
    ordered = retweets.sort_values(["retweeted_at", "retweet_id"]).reset_index(drop=True)
    frames = []
    for fraction in train_fractions:
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"train fraction must be in (0, 1), got {fraction}")
        n_train = math.floor(fraction * len(ordered))
        split = ["train"] * n_train + ["test"] * (len(ordered) - n_train)
        frames.append(
            ordered[["retweet_id", "user_id", "tweet_id", "retweeted_at"]].assign(
                train_fraction=float(fraction), split=split
            )
        )
    columns = ["train_fraction", "retweet_id", "user_id", "tweet_id", "retweeted_at", "split"]
    return pd.concat(frames, ignore_index=True)[columns]


def train_cutoff(store: DuckDBStore, train_fraction: float) -> pd.Timestamp:
    """The time of the last training retweet for ``train_fraction``, from ``retweet_splits``."""
    cutoff = store.query(
        "SELECT max(retweeted_at) FROM retweet_splits WHERE train_fraction = ? AND split = 'train'",
        [train_fraction],
    ).iloc[0, 0]
    if pd.isna(cutoff):
        raise ValueError(f"no training retweets for train fraction {train_fraction}")
    return pd.Timestamp(cutoff)
