import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.samplers import time_aware_negatives
from pop_pipeline.ml.samplers.time_aware_negatives import (
    TimeAwareNegativeSampler,
    sample_time_aware_negatives,
)
from pop_pipeline_tests.ml.samplers.toy_worlds import at_minute, random_world

# (tweet, author, minute); u1 retweets p1 at minute 100, so its window is [40, 160]
TWEETS = pd.DataFrame(
    [
        ("p1", "a", 90),
        ("c1", "a", 40),  # Δ = −60: on the edge, weight 0
        ("c2", "b", 39),  # Δ = −61: outside
        ("c3", "b", 100),  # Δ = 0: weight 60
        ("c4", "a", 160),  # Δ = +60: on the edge, weight 0
        ("c5", "b", 161),  # outside
        ("c6", "u1", 110),  # u1's own post
        ("c7", "a", 130),  # u1 retweeted it
        ("c8", "b", 70),  # Δ = −30: weight 30
    ],
    columns=["tweet_id", "author_id", "created_at"],
).assign(created_at=lambda f: f.created_at.map(at_minute))
POSITIVES = pd.DataFrame(
    [("u1", "p1", at_minute(100)), ("u2", "c3", at_minute(1000))],
    columns=["user_id", "tweet_id", "retweeted_at"],
)
ACTED = pd.DataFrame([("u1", "c7"), ("u2", "c3")], columns=["user_id", "tweet_id"])
FOLLOWS = pd.DataFrame([("u1", "a")], columns=["source_user_id", "target_user_id"])


def negatives(sample, user="u1", pos="p1") -> list[str]:
    t = sample.triplets
    return t[(t.user_id == user) & (t.pos_tweet_id == pos)].neg_tweet_id.tolist()


def test_takes_every_candidate_in_the_window_and_reports_the_shortfall():
    sample = sample_time_aware_negatives(POSITIVES, TWEETS, acted=ACTED, seed=0)
    assert list(sample.triplets.columns) == [
        "user_id", "pos_tweet_id", "neg_tweet_id", "retweeted_at", "negative_rank", "pool"
    ]  # fmt: skip
    assert sorted(negatives(sample)) == ["c1", "c3", "c4", "c8"]
    assert sorted(sample.triplets.negative_rank) == [0, 1, 2, 3]
    assert set(sample.triplets.pool) == {"time_window"}
    assert (sample.triplets.retweeted_at == at_minute(100)).all()
    short = sample.short.set_index("user_id")
    assert short.loc["u1", "n_found"] == 4
    assert short.loc["u1", "reason"] == "too_few_unacted_posts_in_window"
    assert short.loc["u2", "n_found"] == 0
    assert short.loc["u2", "reason"] == "no_unacted_posts_in_window"


@pytest.mark.parametrize("seed", range(10))
def test_zero_weight_edges_come_after_every_weighted_candidate(seed):
    sample = sample_time_aware_negatives(POSITIVES, TWEETS, acted=ACTED, n_negatives=2, seed=seed)
    assert sorted(negatives(sample)) == ["c3", "c8"]
    assert sample.short.user_id.tolist() == ["u2"]


def test_anchor_on_the_post_time_and_followees_only():
    posted = sample_time_aware_negatives(
        POSITIVES, TWEETS, acted=ACTED, anchor="created_at", seed=0
    )
    assert sorted(negatives(posted)) == ["c1", "c2", "c3", "c8"]  # window [30, 150] around p1
    followees = sample_time_aware_negatives(
        POSITIVES, TWEETS, acted=ACTED, follows=FOLLOWS, followees_only=True, seed=0
    )
    assert sorted(negatives(followees)) == ["c1", "c4"]  # u1 follows only a
    unknown = sample_time_aware_negatives(
        POSITIVES.assign(tweet_id=["p1", "zz"]), TWEETS, anchor="created_at", seed=0
    )
    assert unknown.short.set_index("user_id").loc["u2", "reason"] == "positive_tweet_not_in_tweets"


def test_closer_posts_are_drawn_more_often_in_proportion_to_the_triangular_weight():
    # candidates at Δ = −50, −10, +30 minutes: weights W − |Δ| = 10, 50, 30 (W = 60)
    tweets = pd.DataFrame(
        [("w10", "z", 450), ("w50", "z", 490), ("w30", "z", 530), ("p", "z", 0)],
        columns=["tweet_id", "author_id", "created_at"],
    ).assign(created_at=lambda f: f.created_at.map(at_minute))
    users = [f"u{i}" for i in range(250)]
    positives = pd.DataFrame({"user_id": users, "tweet_id": "p", "retweeted_at": at_minute(500)})
    firsts, pairs = [], []
    for seed in range(20):
        one = sample_time_aware_negatives(positives, tweets, n_negatives=1, seed=seed)
        firsts += one.triplets.neg_tweet_id.tolist()
        two = sample_time_aware_negatives(positives, tweets, n_negatives=2, seed=seed)
        per_user = two.triplets.groupby("user_id").neg_tweet_id
        pairs += per_user.apply(lambda s: "+".join(sorted(s))).tolist()
    share = pd.Series(firsts).value_counts(normalize=True)
    assert share["w50"] > share["w30"] > share["w10"]
    assert share.to_dict() == pytest.approx({"w10": 1 / 9, "w50": 5 / 9, "w30": 3 / 9}, abs=0.025)
    # without replacement, by successive draws: P{10,30} = 10/90·30/80 + 30/90·10/60 = 7/72, …
    pair_share = pd.Series(pairs).value_counts(normalize=True).to_dict()
    expected = {"w10+w30": 7 / 72, "w10+w50": 15 / 72, "w30+w50": 50 / 72}
    assert pair_share == pytest.approx(expected, abs=0.025)


def brute_force_candidates(retweets, tweets, acted, window_minutes=60) -> list[set[str]]:
    """Each positive's candidates by the definition, one tweet at a time."""
    created = [t.value for t in tweets.created_at]  # ns
    rows = list(zip(tweets.tweet_id, tweets.author_id, created, strict=True))
    done = set(zip(acted.user_id, acted.tweet_id, strict=True))
    window = pd.Timedelta(minutes=window_minutes).value
    times = [t.value for t in retweets.retweeted_at]
    return [
        {
            tweet
            for tweet, author, created in rows
            if abs(created - when) <= window and (user, tweet) not in done and author != user
        }
        for user, when in zip(retweets.user_id, times, strict=True)
    ]


def test_negatives_satisfy_the_definition_on_a_random_world():
    retweets, tweets, _ = random_world(3)
    sample = sample_time_aware_negatives(
        retweets, tweets, acted=retweets[["user_id", "tweet_id"]], seed=5
    )
    candidates = brute_force_candidates(retweets, tweets, retweets)
    drawn = sample.triplets.groupby(["user_id", "pos_tweet_id"]).neg_tweet_id.apply(list)
    short = sample.short.set_index(["user_id", "pos_tweet_id"]).n_found
    n_full = 0
    for (user, pos), allowed in zip(
        zip(retweets.user_id, retweets.tweet_id, strict=True), candidates, strict=True
    ):
        got = drawn.get((user, pos), [])
        assert len(set(got)) == len(got) == min(10, len(allowed))
        assert set(got) <= allowed  # within ±60 min, not acted on, not the user's own
        if len(allowed) < 10:
            assert short[(user, pos)] == len(allowed)
        else:
            assert (user, pos) not in short.index
            n_full += 1
    assert n_full > 100 and len(short) > 10  # both cases are exercised
    t = sample.triplets.merge(tweets, left_on="neg_tweet_id", right_on="tweet_id")
    assert ((t.created_at - t.retweeted_at).abs() <= pd.Timedelta(minutes=60)).all()


def test_deterministic_for_a_seed_and_independent_of_row_order_and_chunking(monkeypatch):
    retweets, tweets, _ = random_world(4)
    acted = retweets[["user_id", "tweet_id"]]
    first = sample_time_aware_negatives(retweets, tweets, acted=acted, seed=11)
    shuffled = sample_time_aware_negatives(
        retweets.sample(frac=1, random_state=1),
        tweets.sample(frac=1, random_state=2),
        acted=acted.sample(frac=1, random_state=3),
        seed=11,
    )
    pd.testing.assert_frame_equal(first.triplets, shuffled.triplets)
    pd.testing.assert_frame_equal(first.short, shuffled.short)
    for max_cells in (50, 5):  # a few positives per chunk; one positive over the budget
        monkeypatch.setattr(time_aware_negatives, "MAX_CELLS_PER_CHUNK", max_cells)
        chunked = sample_time_aware_negatives(retweets, tweets, acted=acted, seed=11)
        pd.testing.assert_frame_equal(first.triplets, chunked.triplets)
        pd.testing.assert_frame_equal(first.short, chunked.short)
    other = sample_time_aware_negatives(retweets, tweets, acted=acted, seed=12)
    assert not first.triplets.neg_tweet_id.equals(other.triplets.neg_tweet_id)


def test_sampler_class_params_and_delegation():
    sampler = TimeAwareNegativeSampler(seed=3, window_minutes=30.0)
    assert sampler.params() == {
        "sampler.name": "time_aware",
        "sampler.seed": 3,
        "sampler.n_negatives": 10,
        "sampler.window_minutes": 30.0,
        "sampler.anchor": "retweeted_at",
        "sampler.followees_only": "false",
    }
    assert sampler.with_seed(4).params()["sampler.seed"] == 4
    drawn = sampler.sample(POSITIVES, TWEETS, acted=ACTED)
    assert sorted(negatives(drawn)) == ["c3", "c8"]  # window [70, 130]: c8 at 70 (edge), c3
    expected = sample_time_aware_negatives(
        POSITIVES, TWEETS, acted=ACTED, window=pd.Timedelta(minutes=30), seed=3
    )
    pd.testing.assert_frame_equal(drawn.triplets, expected.triplets)


def test_bad_arguments_and_empty_input():
    with pytest.raises(ValueError, match="n_negatives"):
        sample_time_aware_negatives(POSITIVES, TWEETS, n_negatives=0, seed=0)
    with pytest.raises(ValueError, match="anchor"):
        sample_time_aware_negatives(POSITIVES, TWEETS, anchor="liked_at", seed=0)
    with pytest.raises(ValueError, match="follows"):
        sample_time_aware_negatives(POSITIVES, TWEETS, followees_only=True, seed=0)
    empty = sample_time_aware_negatives(POSITIVES.iloc[:0], TWEETS, seed=0)
    assert empty.triplets.empty and empty.short.empty
    assert list(empty.short.columns) == [
        "user_id", "pos_tweet_id", "retweeted_at", "n_found", "reason"
    ]  # fmt: skip
    no_tweets = sample_time_aware_negatives(POSITIVES, TWEETS.iloc[:0], seed=0)
    assert no_tweets.triplets.empty and no_tweets.short.n_found.tolist() == [0, 0]
    assert np.array_equal(no_tweets.short.user_id, ["u1", "u2"])
