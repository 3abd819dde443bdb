import itertools

import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.samplers.uniform_negatives import (
    UniformNegativeSampler,
    _nth_allowed,
    sample_uniform_negatives,
)
from pop_pipeline_tests.ml.samplers.toy_worlds import at_minute, random_world

# (tweet, author, minute)
TWEETS = pd.DataFrame(
    [
        ("t0", "a", 0),
        ("t1", "u1", 10),  # u1's own post
        ("t2", "a", 20),  # u1's positive
        ("t3", "b", 30),  # u1 liked it earlier (in acted)
        ("t4", "b", 40),
        ("t5", "a", 50),
        ("t6", "b", 600),  # after the cutoff used below
    ],
    columns=["tweet_id", "author_id", "created_at"],
).assign(created_at=lambda f: f.created_at.map(at_minute))
POSITIVES = pd.DataFrame(
    [("u1", "t2", at_minute(60)), ("u2", "t0", at_minute(60))],
    columns=["user_id", "tweet_id", "retweeted_at"],
)
ACTED = pd.DataFrame([("u1", "t3")], columns=["user_id", "tweet_id"])


def negatives(sample, user: str) -> list[str]:
    return sample.triplets[sample.triplets.user_id == user].neg_tweet_id.tolist()


def test_every_unacted_post_when_fewer_than_wanted():
    sample = sample_uniform_negatives(POSITIVES, TWEETS, acted=ACTED, n_negatives=10, seed=0)
    assert sorted(negatives(sample, "u1")) == ["t0", "t4", "t5", "t6"]
    assert sorted(negatives(sample, "u2")) == ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert set(sample.triplets.pool) == {"uniform"}
    assert sample.short.n_found.tolist() == [4, 6]
    assert set(sample.short.reason) == {"too_few_unacted_posts"}


def test_cutoff_keeps_only_posts_known_by_then():
    sample = sample_uniform_negatives(
        POSITIVES, TWEETS, acted=ACTED, n_negatives=10, cutoff=at_minute(50), seed=0
    )
    assert sorted(negatives(sample, "u1")) == ["t0", "t4", "t5"]
    assert sample.short.n_found.tolist() == [3, 5]


def test_draws_are_uniform_over_the_allowed_posts():
    # u1's allowed posts are t0, t4, t5, t6: each pair of them equally likely (1/6)
    users = [f"v{i}" for i in range(3000)]
    positives = pd.DataFrame({"user_id": users, "tweet_id": "t2", "retweeted_at": at_minute(60)})
    acted = pd.DataFrame(
        {"user_id": np.repeat(users, 2), "tweet_id": np.tile(["t1", "t3"], len(users))}
    )
    sample = sample_uniform_negatives(positives, TWEETS, acted=acted, n_negatives=2, seed=1)
    assert sample.short.empty
    pairs = sample.triplets.groupby("user_id").neg_tweet_id.apply(lambda s: "+".join(sorted(s)))
    share = pairs.value_counts(normalize=True).to_dict()
    expected = {"+".join(p): 1 / 6 for p in itertools.combinations(["t0", "t4", "t5", "t6"], 2)}
    assert share == pytest.approx(expected, abs=0.025)


def test_nth_allowed_matches_brute_force():
    rng = np.random.default_rng(0)
    n_tweets = 12
    excluded = {
        u: sorted(rng.choice(n_tweets, rng.integers(0, 8), replace=False)) for u in range(5)
    }
    keys = np.array(sorted(u * n_tweets + t for u, ts in excluded.items() for t in ts))
    users, offsets, expected = [], [], []
    for u, ts in excluded.items():
        allowed = [t for t in range(n_tweets) if t not in ts]
        users += [u] * len(allowed)
        offsets += list(range(len(allowed)))
        expected += allowed
    got = _nth_allowed(np.array(users), np.array(offsets), keys, n_tweets)
    assert got.tolist() == expected


def test_negatives_satisfy_the_definition_on_a_random_world():
    retweets, tweets, _ = random_world(5)
    cutoff = at_minute(1500)
    sample = sample_uniform_negatives(
        retweets, tweets, acted=retweets[["user_id", "tweet_id"]], cutoff=cutoff, seed=2
    )
    t = sample.triplets.merge(tweets, left_on="neg_tweet_id", right_on="tweet_id")
    assert len(t) == len(sample.triplets) == 10 * len(retweets)
    acted = set(zip(retweets.user_id, retweets.tweet_id, strict=True))
    assert not any((u, n) in acted for u, n in zip(t.user_id, t.neg_tweet_id, strict=True))
    assert (t.author_id != t.user_id).all()
    assert (t.created_at <= cutoff).all()
    per_positive = sample.triplets.groupby(["user_id", "pos_tweet_id"])
    assert (per_positive.neg_tweet_id.nunique() == 10).all()
    assert (per_positive.negative_rank.apply(sorted).map(tuple) == tuple(range(10))).all()


def test_deterministic_for_a_seed_and_independent_of_row_order():
    retweets, tweets, _ = random_world(6)
    acted = retweets[["user_id", "tweet_id"]]
    first = sample_uniform_negatives(retweets, tweets, acted=acted, seed=3)
    shuffled = sample_uniform_negatives(
        retweets.sample(frac=1, random_state=1),
        tweets.sample(frac=1, random_state=2),
        acted=acted.sample(frac=1, random_state=3),
        seed=3,
    )
    pd.testing.assert_frame_equal(first.triplets, shuffled.triplets)
    other = sample_uniform_negatives(retweets, tweets, acted=acted, seed=4)
    assert not first.triplets.neg_tweet_id.equals(other.triplets.neg_tweet_id)


def test_sampler_class_params_and_delegation():
    sampler = UniformNegativeSampler(seed=9, n_negatives=3, cutoff=pd.Timestamp("2024-01-02"))
    assert sampler.params() == {
        "sampler.name": "uniform",
        "sampler.seed": 9,
        "sampler.n_negatives": 3,
        "sampler.cutoff": "2024-01-02T00:00:00",
    }
    assert UniformNegativeSampler(seed=1).params()["sampler.cutoff"] == "none"
    drawn = sampler.sample(POSITIVES, TWEETS, acted=ACTED)
    expected = sample_uniform_negatives(
        POSITIVES, TWEETS, acted=ACTED, n_negatives=3, cutoff=pd.Timestamp("2024-01-02"), seed=9
    )
    pd.testing.assert_frame_equal(drawn.triplets, expected.triplets)
    assert len(drawn.triplets) == 6 and drawn.short.empty


def test_empty_inputs():
    empty = sample_uniform_negatives(POSITIVES.iloc[:0], TWEETS, seed=0)
    assert empty.triplets.empty and empty.short.empty
    no_tweets = sample_uniform_negatives(POSITIVES, TWEETS.iloc[:0], seed=0)
    assert no_tweets.triplets.empty and no_tweets.short.n_found.tolist() == [0, 0]
