import pandas as pd
import pytest

from pop_pipeline.ranking.data.chronological_splits import (
    chronological_retweet_splits,
    train_cutoff,
)
from pop_pipeline.storage.duckdb_store import DuckDBStore


def _retweets(n: int) -> pd.DataFrame:
    times = pd.date_range("2026-01-01", periods=n, freq="h")[::-1]  # given newest first
    return pd.DataFrame(
        {
            "retweet_id": [str(i) for i in range(n)],
            "user_id": "u",
            "tweet_id": [f"t{i}" for i in range(n)],
            "retweeted_at": times,
        }
    )


def test_first_fraction_by_time_is_train(tmp_path):
    splits = chronological_retweet_splits(_retweets(10), (0.6, 0.8))
    sixty = splits[splits["train_fraction"] == 0.6]
    assert list(sixty["split"]) == ["train"] * 6 + ["test"] * 4
    assert sixty["retweeted_at"].is_monotonic_increasing
    assert (splits["train_fraction"] == 0.8).sum() == 10
    store = DuckDBStore(tmp_path / "splits.duckdb")
    store.replace_table("retweet_splits", splits)
    assert train_cutoff(store, 0.6) == pd.Timestamp("2026-01-01 05:00")
    with pytest.raises(ValueError, match="no training retweets"):
        train_cutoff(store, 0.7)


def test_ties_in_time_break_by_retweet_id():
    frame = _retweets(4).assign(retweeted_at=pd.Timestamp("2026-01-01"))
    splits = chronological_retweet_splits(frame, (0.5,))
    assert list(splits["retweet_id"]) == ["0", "1", "2", "3"]


def test_fraction_must_be_inside_zero_one():
    with pytest.raises(ValueError, match="train fraction"):
        chronological_retweet_splits(_retweets(3), (1.0,))
