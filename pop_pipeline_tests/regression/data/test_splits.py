import pandas as pd
import pytest

from pop_pipeline.ml.metrics.regression import REGRESSION_METRICS
from pop_pipeline.regression.data.splits import regression_splits
from pop_pipeline.regression.protocols import PROTOCOLS


def tweets(n: int) -> pd.DataFrame:
    """Tweet ``t{i:02d}`` posted on day i, listed newest first (the input order must not matter)."""
    start = pd.Timestamp("2024-01-01", tz="UTC")
    rows = [(f"t{i:02d}", start + pd.Timedelta(days=i)) for i in range(n)]
    return pd.DataFrame(rows[::-1], columns=["tweet_id", "created_at"])


def splits_of(frame: pd.DataFrame, protocol: str) -> dict[str, list[str]]:
    rows = frame[frame["protocol"] == protocol]
    return {s: rows.loc[rows["split"] == s, "tweet_id"].tolist() for s in rows["split"].unique()}


def test_paper004_is_chronological_8_1_1():
    frame = regression_splits(tweets(10), ["paper004"])
    assert splits_of(frame, "paper004") == {
        "train": [f"t{i:02d}" for i in range(8)],
        "validation": ["t08"],
        "test": ["t09"],
    }
    assert frame["seed"].isna().all()


def test_paper002_trains_on_the_first_70_percent_and_splits_the_rest_1_to_2():
    frame = regression_splits(tweets(20), ["paper002"], seed=3)
    parts = splits_of(frame, "paper002")
    assert parts["train"] == [f"t{i:02d}" for i in range(14)]
    # 20·8/10 = 16 → validation 2 and test 4, both drawn from the last 6
    assert len(parts["validation"]) == 2 and len(parts["test"]) == 4
    assert set(parts["validation"]) | set(parts["test"]) == {f"t{i}" for i in range(14, 20)}
    assert (frame["seed"] == 3).all()


def test_paper001_is_a_seeded_random_half():
    first = regression_splits(tweets(11), ["paper001"], seed=7)
    parts = splits_of(first, "paper001")
    assert len(parts["train"]) == 5 and len(parts["test"]) == 6  # the odd tweet is tested
    assert "validation" not in parts
    # a random half, not the earliest tweets
    assert parts["train"] != [f"t{i:02d}" for i in range(5)]
    again = regression_splits(tweets(11).sample(frac=1.0, random_state=1), ["paper001"], seed=7)
    assert again.equals(first)  # same seed, any input order → same split
    other = regression_splits(tweets(11), ["paper001"], seed=8)
    assert not other["split"].equals(first["split"])


def test_ties_in_time_are_broken_by_tweet_id():
    same_time = pd.Timestamp("2024-01-01", tz="UTC")
    frame = pd.DataFrame(
        {"tweet_id": [f"{i:02d}" for i in range(20)][::-1], "created_at": same_time}
    )
    parts = splits_of(regression_splits(frame, ["paper004"]), "paper004")
    assert parts["train"] == [f"{i:02d}" for i in range(16)]


def test_all_protocols_and_their_main_metrics():
    frame = regression_splits(tweets(10))
    assert frame["protocol"].unique().tolist() == ["paper001", "paper002", "paper004"]
    assert frame.groupby("protocol").size().tolist() == [10, 10, 10]
    assert {p.name: p.main_metric for p in PROTOCOLS.values()} == {
        "paper001": "spearman",
        "paper002": "mse",
        "paper004": "mae",
    }
    for protocol in PROTOCOLS.values():
        assert protocol.main_metric in protocol.metrics
        assert set(protocol.metrics) <= set(REGRESSION_METRICS)


def test_rejects_duplicates_and_unknown_protocols():
    with pytest.raises(ValueError, match="unique"):
        regression_splits(pd.concat([tweets(2), tweets(2)]))
    with pytest.raises(KeyError, match="unknown protocol"):
        regression_splits(tweets(2), ["paper003"])
