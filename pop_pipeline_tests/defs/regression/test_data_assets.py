import pandas as pd
import pytest

from pop_pipeline.defs.regression.data_assets import targets_with_quarantine
from pop_pipeline.defs.regression.model_configs import DsnModelConfig, GbdtModelConfig
from pop_pipeline.defs.regression.model_specs import REGRESSION_MODEL_SPECS, REGRESSION_MODELS


def test_tweets_without_a_target_are_quarantined_with_each_reason():
    tweets = pd.DataFrame(
        {
            "tweet_id": ["1", "2", "3", "4"],
            "retweet_count": [3, -1, 0, 1],
            "like_count": [1, 1, 1, 1],
            "impression_count": [10, 10, 10, 10],
            "days_since_posting": [2.0, 2.0, 0.0, 8.0],
        }
    )
    targets, quarantine = targets_with_quarantine(tweets)
    assert list(targets["tweet_id"]) == ["1", "4"]
    assert targets["log_retweets"].tolist() == pytest.approx([1.3862944, 0.6931472])
    assert targets["retweets_normalised"].tolist() == pytest.approx([1.0, 1 / 3])
    assert sorted(quarantine.itertuples(index=False)) == [
        ("2", "negative retweet_count"),
        ("3", "days_since_posting missing or not positive"),
    ]


def test_the_spec_table_covers_every_model_once_with_its_runs():
    assert len(REGRESSION_MODELS) == len(set(REGRESSION_MODELS)) == 21
    specs = {spec.name: spec for spec in REGRESSION_MODEL_SPECS}
    assert specs["hybrid_cnn_likes"].runs(specs["hybrid_cnn_likes"].config()) == [
        ("paper001", "log_likes")
    ]
    assert specs["dsn_l16"].runs(DsnModelConfig()) == [("paper004", "popularity_score")]
    assert specs["gbdt"].runs(GbdtModelConfig()) == [
        ("paper001", "log_retweets"),
        ("paper001", "log_likes"),
        ("paper002", "popularity_score"),
        ("paper004", "popularity_score"),
    ]
    assert specs["gbdt"].registered_run(specs["gbdt"].runs(GbdtModelConfig())) == (
        "paper004",
        "popularity_score",
    )
    with pytest.raises(ValueError, match="unknown protocols"):
        specs["gbdt"].runs(GbdtModelConfig(protocols=["paper999"]))
