import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.samplers.followee_negatives import (
    sample_distinct_offsets,
    sample_followee_negatives,
)

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


TWEETS = frame(
    [
        ("a1", "a", at(1)),
        ("a2", "a", at(2)),
        ("a3", "a", at(5)),
        ("b1", "b", at(3)),
        ("b2", "b", at(10)),
        ("x1", "x", at(0)),
    ],
    ["tweet_id", "author_id", "created_at"],
)
FOLLOWS = frame(
    [("u1", "a"), ("u1", "b"), ("u1", "u1"), ("u2", "a"), ("u4", "c"), ("u5", "b"), ("u6", "b")],
    ["source_user_id", "target_user_id"],
)
ALL_RETWEETS = frame(
    [("u1", "a2"), ("u1", "x1"), ("u2", "a3"), ("u5", "b1")], ["user_id", "tweet_id"]
)
RETWEETS = frame(
    [
        ("u1", "x1", at(4)),  # before pool {a1, b1}: exactly 2
        ("u1", "a2", at(2)),  # before pool {a1}: topped up from {a3, b1, b2}
        ("u2", "a3", at(6)),  # candidates {a1, a2}, both before
        ("u3", "a1", at(7)),  # follows nobody
        ("u4", "a1", at(7)),  # follows c, who posted nothing
        ("u5", "x1", at(20)),  # only b2 left (b1 retweeted)
        ("u6", "x1", at(3)),  # b1 posted exactly at retweeted_at: before pool; b2 tops up
    ],
    ["user_id", "tweet_id", "retweeted_at"],
)


def toy_sample(seed: int = 0, retweets: pd.DataFrame = RETWEETS):
    return sample_followee_negatives(
        retweets, TWEETS, FOLLOWS, ALL_RETWEETS, n_negatives=2, seed=seed
    )


def negatives_of(triplets: pd.DataFrame, user: str, pos: str) -> pd.DataFrame:
    return triplets[(triplets.user_id == user) & (triplets.pos_tweet_id == pos)]


def test_toy_negatives_pools_and_ranks():
    triplets = toy_sample().triplets
    assert list(triplets.columns) == [
        "user_id", "pos_tweet_id", "neg_tweet_id", "retweeted_at", "negative_rank", "pool"
    ]  # fmt: skip
    assert len(triplets) == 8
    u1_x1 = negatives_of(triplets, "u1", "x1")
    assert set(u1_x1.neg_tweet_id) == {"a1", "b1"}
    assert set(u1_x1.pool) == {"before_retweet"}
    assert sorted(u1_x1.negative_rank) == [0, 1]
    u1_a2 = negatives_of(triplets, "u1", "a2").sort_values("negative_rank")
    assert u1_a2.neg_tweet_id.iloc[0] == "a1" and u1_a2.pool.iloc[0] == "before_retweet"
    assert u1_a2.neg_tweet_id.iloc[1] in {"a3", "b1", "b2"} and u1_a2.pool.iloc[1] == "any_time"
    assert set(negatives_of(triplets, "u2", "a3").neg_tweet_id) == {"a1", "a2"}
    assert (u1_x1.retweeted_at == at(4)).all()
    u6 = negatives_of(triplets, "u6", "x1").sort_values("negative_rank")
    assert u6.neg_tweet_id.tolist() == ["b1", "b2"]
    assert u6.pool.tolist() == ["before_retweet", "any_time"]


def test_short_positives_are_reported_with_reasons():
    short = toy_sample().short.sort_values("user_id").reset_index(drop=True)
    assert list(short.columns) == ["user_id", "pos_tweet_id", "retweeted_at", "n_found", "reason"]
    assert short.user_id.tolist() == ["u3", "u4", "u5"]
    assert short.n_found.tolist() == [0, 0, 1]
    assert short.reason.tolist() == [
        "user_follows_nobody",
        "followees_posted_nothing",
        "too_few_unretweeted_followee_tweets",
    ]
    assert short.retweeted_at.tolist() == [at(7), at(7), at(20)]


def random_world(seed: int, n_users: int = 60, n_tweets: int = 400, n_retweets: int = 1500):
    rng = np.random.default_rng(seed)
    users = np.array([f"u{i}" for i in range(n_users)])
    tweets = pd.DataFrame(
        {
            "tweet_id": [f"t{i}" for i in range(n_tweets)],
            "author_id": rng.choice(users, n_tweets),
            "created_at": T0 + pd.to_timedelta(rng.integers(0, 1000, n_tweets), unit="h"),
        }
    )
    follows = pd.DataFrame(
        {"source_user_id": rng.choice(users[:50], 400), "target_user_id": rng.choice(users, 400)}
    )
    retweets = pd.DataFrame(
        {
            "user_id": rng.choice(users, n_retweets),
            "tweet_id": rng.choice(tweets.tweet_id, n_retweets),
        }
    ).drop_duplicates()
    created = retweets.tweet_id.map(tweets.set_index("tweet_id").created_at)
    retweets["retweeted_at"] = created + pd.to_timedelta(
        rng.integers(0, 300, len(retweets)), unit="h"
    )
    return retweets.reset_index(drop=True), tweets, follows


def test_invariants_on_a_random_world():
    retweets, tweets, follows = random_world(1)
    sample = sample_followee_negatives(
        retweets, tweets, follows, retweets[["user_id", "tweet_id"]], n_negatives=3, seed=7
    )
    t = sample.triplets.merge(tweets, left_on="neg_tweet_id", right_on="tweet_id")
    assert len(t) == len(sample.triplets) > 1000
    followed = set(zip(follows.source_user_id, follows.target_user_id, strict=True))
    assert all((u, a) in followed and u != a for u, a in zip(t.user_id, t.author_id, strict=True))
    retweeted = set(zip(retweets.user_id, retweets.tweet_id, strict=True))
    assert not any((u, n) in retweeted for u, n in zip(t.user_id, t.neg_tweet_id, strict=True))
    before = t[t.pool == "before_retweet"]
    assert (before.created_at <= before.retweeted_at).all()
    assert (
        t.loc[t.pool == "any_time", "created_at"] > t.loc[t.pool == "any_time", "retweeted_at"]
    ).all()
    per_positive = sample.triplets.groupby(["user_id", "pos_tweet_id"])
    assert (per_positive.neg_tweet_id.nunique() == 3).all()
    assert (per_positive.negative_rank.apply(sorted).map(tuple) == (0, 1, 2)).all()
    # every positive is either complete or reported short, never both, never lost
    assert per_positive.ngroups + len(sample.short) == len(retweets)
    assert (sample.short.n_found < 3).all()
    assert set(sample.short.reason) <= {
        "user_follows_nobody",
        "followees_posted_nothing",
        "too_few_unretweeted_followee_tweets",
    }


def test_deterministic_for_seed_and_row_order():
    retweets, tweets, follows = random_world(2)
    sample = lambda r, tw, f, seed: sample_followee_negatives(  # noqa: E731
        r, tw, f, r[["user_id", "tweet_id"]], n_negatives=2, seed=seed
    )
    first = sample(retweets, tweets, follows, 3)
    shuffled = sample(
        retweets.sample(frac=1, random_state=1),
        tweets.sample(frac=1, random_state=2),
        follows.sample(frac=1, random_state=3),
        3,
    )
    pd.testing.assert_frame_equal(first.triplets, shuffled.triplets)
    pd.testing.assert_frame_equal(first.short, shuffled.short)
    pd.testing.assert_frame_equal(first.triplets, sample(retweets, tweets, follows, 3).triplets)
    other_seed = sample(retweets, tweets, follows, 4).triplets
    assert not first.triplets.neg_tweet_id.equals(other_seed.neg_tweet_id)


def test_sample_distinct_offsets_is_uniform_and_distinct():
    rng = np.random.default_rng(0)
    draws = sample_distinct_offsets(rng, np.full(30000, 4), 2)
    assert (draws[:, 0] != draws[:, 1]).all()
    assert draws.min() == 0 and draws.max() == 3
    pair_counts = pd.Series(list(map(tuple, np.sort(draws, axis=1)))).value_counts()
    assert len(pair_counts) == 6  # all C(4, 2) pairs, each about 1/6
    assert pair_counts.min() / len(draws) == pytest.approx(1 / 6, abs=0.01)
    assert pair_counts.max() / len(draws) == pytest.approx(1 / 6, abs=0.01)
    with pytest.raises(ValueError):
        sample_distinct_offsets(rng, np.array([1]), 2)


def test_empty_input_gives_empty_frames_with_columns():
    empty = sample_followee_negatives(
        RETWEETS.iloc[:0], TWEETS, FOLLOWS, ALL_RETWEETS.iloc[:0], seed=0
    )
    assert empty.triplets.empty and empty.short.empty
    assert list(empty.short.columns) == [
        "user_id",
        "pos_tweet_id",
        "retweeted_at",
        "n_found",
        "reason",
    ]


def test_recent_window_prefers_tweets_seen_around_the_retweet():
    # u1 follows a and b; candidates (never retweeted by u1): a1@1h, a3@5h, b1@3h, b2@10h
    retweets = frame(
        [("u1", "x1", at(11)), ("u1", "a2", at(4))], ["user_id", "tweet_id", "retweeted_at"]
    )
    for seed in range(5):
        sample = sample_followee_negatives(
            retweets,
            TWEETS,
            FOLLOWS,
            ALL_RETWEETS,
            n_negatives=2,
            seed=seed,
            max_age=pd.Timedelta(hours=7),
        )
        late = negatives_of(sample.triplets, "u1", "x1")
        # window [4h, 11h] holds a3@5h and b2@10h: exactly those two, tagged recent
        assert sorted(late["neg_tweet_id"]) == ["a3", "b2"]
        assert set(late["pool"]) == {"recent"}
        early = negatives_of(sample.triplets, "u1", "a2")
        # window [-3h, 4h] holds a1@1h and b1@3h
        assert sorted(early["neg_tweet_id"]) == ["a1", "b1"]


def test_recent_window_falls_back_when_too_few_recent_tweets():
    retweets = frame([("u1", "x1", at(11))], ["user_id", "tweet_id", "retweeted_at"])
    sample = sample_followee_negatives(
        retweets,
        TWEETS,
        FOLLOWS,
        ALL_RETWEETS,
        n_negatives=2,
        seed=0,
        max_age=pd.Timedelta(hours=2),  # window [9h, 11h] holds only b2
    )
    assert set(sample.triplets["pool"]) == {"before_retweet"}
    assert len(sample.triplets) == 2
