import pandas as pd
import pytest

from pop_pipeline.ml.samplers import followee_negatives
from pop_pipeline.ml.samplers.base import SHORT_COLUMNS, TRIPLET_COLUMNS, NegativeSample
from pop_pipeline.ml.samplers.candidate_lists import ranking_candidates
from pop_pipeline.ml.samplers.followee_negatives import (
    FolloweeNegativeSampler,
    sample_followee_negatives,
)
from pop_pipeline.ml.samplers.registry import NEGATIVE_SAMPLERS, negative_sampler
from pop_pipeline_tests.ml.samplers.toy_worlds import at_minute, random_world


@pytest.mark.parametrize("name", ["followee", "time_aware", "uniform"])
def test_every_sampler_returns_the_common_frames_and_logs_its_seed(name):
    retweets, tweets, follows = random_world(7)
    sampler = negative_sampler(name, seed=13, n_negatives=3)
    sample = sampler.sample(retweets, tweets, acted=retweets, follows=follows)
    assert isinstance(sample, NegativeSample)
    assert list(sample.triplets.columns) == TRIPLET_COLUMNS
    assert list(sample.short.columns) == SHORT_COLUMNS
    assert len(sample.triplets) > 100
    params = sampler.params()
    assert params["sampler.name"] == name and params["sampler.seed"] == 13
    assert params["sampler.n_negatives"] == 3
    assert all(key.startswith("sampler.") for key in params)
    assert all(isinstance(value, str | int | float) for value in params.values())
    assert sum(sample.n_negatives_by_pool.values()) == len(sample.triplets)
    again = sampler.with_seed(13).sample(retweets, tweets, acted=retweets, follows=follows)
    pd.testing.assert_frame_equal(sample.triplets, again.triplets)


def test_registry_names_and_unknown_sampler():
    assert set(NEGATIVE_SAMPLERS) == {"followee", "time_aware", "uniform"}
    for name, sampler in NEGATIVE_SAMPLERS.items():
        assert sampler.name == name
    with pytest.raises(KeyError, match="unknown negative sampler"):
        negative_sampler("popular", seed=0)
    with pytest.raises(TypeError):
        negative_sampler("uniform", seed=0, window_minutes=60.0)


def test_followee_sampler_wraps_the_function_and_keeps_its_definition():
    retweets, tweets, follows = random_world(8)
    acted = retweets[["user_id", "tweet_id"]]
    sampler = FolloweeNegativeSampler(seed=5, max_age_hours=2.0)
    assert not sampler.keeps_partial
    assert sampler.params() == {
        "sampler.name": "followee",
        "sampler.seed": 5,
        "sampler.n_negatives": 2,
        "sampler.max_age_hours": 2.0,
    }
    assert FolloweeNegativeSampler(seed=5).params()["sampler.max_age_hours"] == "none"
    sample = sampler.sample(retweets, tweets, acted=acted, follows=follows)
    direct = sample_followee_negatives(
        retweets, tweets, follows, acted, seed=5, max_age=pd.Timedelta(hours=2)
    )
    pd.testing.assert_frame_equal(sample.triplets, direct.triplets)
    pd.testing.assert_frame_equal(sample.short, direct.short)
    t = sample.triplets.merge(tweets, left_on="neg_tweet_id", right_on="tweet_id")
    followed = set(zip(follows.source_user_id, follows.target_user_id, strict=True))
    assert all((u, a) in followed for u, a in zip(t.user_id, t.author_id, strict=True))
    retweeted = set(zip(retweets.user_id, retweets.tweet_id, strict=True))
    assert not any((u, n) in retweeted for u, n in zip(t.user_id, t.neg_tweet_id, strict=True))
    assert followee_negatives.TRIPLET_COLUMNS == TRIPLET_COLUMNS
    assert followee_negatives.SHORT_COLUMNS == SHORT_COLUMNS
    with pytest.raises(ValueError, match="follows"):
        sampler.sample(retweets, tweets)


def test_ranking_candidates_pool_positives_and_distinct_negatives():
    positives = pd.DataFrame(
        [("u1", "p1", at_minute(10)), ("u1", "p2", at_minute(20)), ("u2", "p1", at_minute(5))],
        columns=["user_id", "tweet_id", "retweeted_at"],
    )
    triplets = pd.DataFrame(
        [
            ("u1", "p1", "n1", at_minute(10), 0, "time_window"),
            ("u1", "p2", "n1", at_minute(20), 0, "time_window"),  # n1 again: kept once
            ("u1", "p2", "n2", at_minute(20), 1, "time_window"),
            ("u2", "p1", "n1", at_minute(5), 0, "time_window"),
        ],
        columns=TRIPLET_COLUMNS,
    )
    empty_short = pd.DataFrame(columns=SHORT_COLUMNS)
    candidates = ranking_candidates(positives, NegativeSample(triplets, empty_short))
    assert list(candidates.columns) == [
        "user_id", "tweet_id", "label", "seen_at", "positive_tweet_id"
    ]  # fmt: skip
    assert list(candidates.itertuples(index=False, name=None)) == [
        ("u1", "p1", 1, at_minute(10), "p1"),
        ("u1", "p2", 1, at_minute(20), "p2"),
        ("u1", "n1", 0, at_minute(10), "p1"),
        ("u1", "n2", 0, at_minute(20), "p2"),
        ("u2", "p1", 1, at_minute(5), "p1"),
        ("u2", "n1", 0, at_minute(5), "p1"),
    ]


@pytest.mark.parametrize("name", ["time_aware", "uniform"])
def test_duplicate_tweet_rows_count_once(name):
    retweets, tweets, _ = random_world(9)
    sampler = negative_sampler(name, seed=2)
    once = sampler.sample(retweets, tweets, acted=retweets)
    twice = sampler.sample(retweets, pd.concat([tweets, tweets.iloc[::3]]), acted=retweets)
    pd.testing.assert_frame_equal(once.triplets, twice.triplets)
