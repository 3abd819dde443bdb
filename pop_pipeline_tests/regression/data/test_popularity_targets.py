import math

import pandas as pd
import pytest

from pop_pipeline.regression.data.popularity_targets import (
    POPULARITY_TARGETS,
    PopularityTargetError,
    popularity_targets,
)


def tweets(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "tweet_id": ["1", "2", "3"],
            "retweet_count": [0, 3, 7],
            "like_count": [4, 0, 1],
            "impression_count": [70, 0, 6],
            "days_since_posting": [7.0, 10.0, 2.0],
        }
    )
    return frame.assign(**overrides)


def test_hand_computed_targets():
    targets = popularity_targets(tweets())
    assert targets["tweet_id"].tolist() == ["1", "2", "3"]
    # retweets / max 7; likes / max 4
    assert targets["retweets_normalised"].tolist() == pytest.approx([0.0, 3 / 7, 1.0])
    assert targets["likes_normalised"].tolist() == pytest.approx([1.0, 0.0, 0.25])
    # log1p: ln 1 = 0, ln 4, ln 8
    assert targets["log_retweets"].tolist() == pytest.approx([0.0, math.log(4), math.log(8)])
    assert targets["log_likes"].tolist() == pytest.approx([math.log(5), 0.0, math.log(2)])
    # log2(70/7 + 1) = log2 11; log2(0 + 1) = 0; log2(6/2 + 1) = 2
    assert targets["popularity_score"].tolist() == pytest.approx([math.log2(11), 0.0, 2.0])


def test_all_zero_counts_normalise_to_zero_not_nan():
    targets = popularity_targets(tweets(retweet_count=[0, 0, 0]))
    assert targets["retweets_normalised"].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("overrides", "reason", "bad"),
    [
        ({"days_since_posting": [7.0, 0.0, 2.0]}, "days_since_posting", ["2"]),
        ({"days_since_posting": [None, 1.0, -1.0]}, "days_since_posting", ["1", "3"]),
        ({"impression_count": [70, None, 6]}, "missing impression_count", ["2"]),
        ({"retweet_count": [0, -1, 7]}, "negative retweet_count", ["2"]),
    ],
)
def test_refuses_undefined_targets(overrides, reason, bad):
    with pytest.raises(PopularityTargetError, match=reason) as caught:
        popularity_targets(tweets(**overrides))
    assert caught.value.tweet_ids == bad


def test_missing_column():
    with pytest.raises(ValueError, match="impression_count"):
        popularity_targets(tweets().drop(columns=["impression_count"]))


def test_each_target_names_its_oracle_column():
    assert {name: t.oracle_column for name, t in POPULARITY_TARGETS.items()} == {
        "log_retweets": "expected_log_retweets",
        "log_likes": "expected_log_likes",
        "popularity_score": "expected_popularity_score",
    }
