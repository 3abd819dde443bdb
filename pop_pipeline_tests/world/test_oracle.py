"""The oracle: reads only oracle/, gives sensible probabilities and expectations."""

from __future__ import annotations

import json
import math
import shutil
from datetime import UTC, datetime

import numpy as np
import pytest

from pop_pipeline.world import WorldOracle
from pop_pipeline_tests.world.conftest import read_jsonl


@pytest.fixture(scope="module")
def oracle(tiny_world):
    return WorldOracle.load(tiny_world / "oracle")


@pytest.fixture(scope="module")
def pairs(tiny_world):
    """Actual retweets and as many random non-retweeted (user, followee's tweet) pairs."""
    tweets = read_jsonl(tiny_world / "tweets.jsonl")
    retweets = read_jsonl(tiny_world / "retweets.jsonl")
    follows = read_jsonl(tiny_world / "follows.jsonl")
    followees: dict[str, list[str]] = {}
    for edge in follows:
        followees.setdefault(edge["source_user_id"], []).append(edge["target_user_id"])
    by_author: dict[str, list[str]] = {}
    for tweet in tweets:
        by_author.setdefault(tweet["author_id"], []).append(tweet["id"])
    done = {(r["author_id"], r["referenced_tweets"][0]["id"]) for r in retweets}
    positives = [(r["author_id"], r["referenced_tweets"][0]["id"]) for r in retweets]
    rng = np.random.default_rng(0)
    users = sorted(followees)
    negatives = []
    while len(negatives) < len(positives):
        user = users[rng.integers(len(users))]
        candidates = [t for f in followees[user] for t in by_author.get(f, [])]
        if candidates:
            tweet = candidates[rng.integers(len(candidates))]
            if (user, tweet) not in done:
                negatives.append((user, tweet))
    return positives, negatives


def _probabilities(oracle, pairs):
    users, tweets = zip(*pairs, strict=True)
    return oracle.retweet_probability(list(users), list(tweets))


def test_probabilities_are_in_the_open_unit_interval(oracle, pairs):
    positives, negatives = pairs
    probabilities = _probabilities(oracle, positives + negatives)
    assert probabilities.dtype == np.float64
    assert np.all((probabilities > 0) & (probabilities < 1))


def test_oracle_ranks_actual_retweets_above_non_retweets(oracle, pairs):
    positives, negatives = pairs
    scores = np.concatenate([_probabilities(oracle, positives), _probabilities(oracle, negatives)])
    ranks = scores.argsort().argsort() + 1
    n_pos, n_neg = len(positives), len(negatives)
    auc = (ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    assert auc > 0.7


def test_probability_matches_the_documented_formula(tiny_world, oracle):
    root = tiny_world / "oracle"
    meta = json.loads((root / "world.json").read_text())
    w = meta["engagement"]["retweet"]
    interests = np.load(root / "users/interests.npy")
    attention = np.load(root / "users/attention.npy")
    source, target = np.load(root / "follows/source.npy"), np.load(root / "follows/target.npy")
    tie = np.load(root / "follows/tie.npy")
    content = np.load(root / "tweets/content.npy").astype(np.float64)
    iq = np.load(root / "tweets/image_quality.npy").astype(np.float64)
    tq = np.load(root / "tweets/text_quality.npy").astype(np.float64)
    concept = np.load(root / "tweets/concept.npy")
    author = np.load(root / "tweets/author.npy")
    grid = np.load(root / "trend_grid.npy")
    created = np.load(root / "tweets/created_ms.npy")
    edges = set(zip(source.tolist(), target.tolist(), strict=True))

    def sigmoid(x):
        return 1 / (1 + math.exp(-x))

    # A pair with a non-zero social term: u follows f, f follows the author of k.
    user, followee = int(source[0]), int(target[0])
    k = next(i for i in range(len(author)) if (followee, int(author[i])) in edges)
    at = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    at_ms = int(at.timestamp() * 1000)
    hour = min(max((at_ms - meta["start_ms"]) // 3_600_000, 0), grid.shape[1] - 1)
    trend = grid[concept[k], hour]
    static = w["b0"] + w["b2"] * iq[k] + w["b3"] * tq[k] + w["b5"] * trend
    social = 0.0
    for s, t, strength in zip(source.tolist(), target.tolist(), tie.tolist(), strict=True):
        if s == user and (t, int(author[k])) in edges:
            social += (
                strength * attention[t] * sigmoid(static + w["b1"] * interests[t] @ content[k])
            )
    assert social > 0
    expected = sigmoid(static + w["b1"] * interests[user] @ content[k] + w["b4"] * social)
    user_id, tweet_id = str(meta["user_id_base"] + user), str(meta["tweet_id_base"] + k)
    (got,) = oracle.retweet_probability([user_id], [tweet_id], [at])
    assert got == pytest.approx(expected, rel=1e-9)
    # at=None means the posting time; a datetime64 array works too.
    posted = np.array([created[k]], dtype="datetime64[ms]")
    assert oracle.retweet_probability([user_id], [tweet_id]) == pytest.approx(
        oracle.retweet_probability([user_id], [tweet_id], posted)
    )


def test_unknown_ids_raise_key_error_naming_them(oracle, pairs):
    user, tweet = pairs[0][0]
    with pytest.raises(KeyError, match="42"):
        oracle.retweet_probability(["42"], [tweet])
    with pytest.raises(KeyError, match="999"):
        oracle.retweet_probability([user], ["999"])
    with pytest.raises(KeyError):
        oracle.expected_popularity(["1"])


def test_expected_popularity_columns_and_agreement_with_observed(tiny_world, oracle):
    tweets = read_jsonl(tiny_world / "tweets.jsonl")[:80]
    table = oracle.expected_popularity([t["id"] for t in tweets], n_draws=8)
    assert list(table.columns) == [
        "tweet_id",
        "expected_log_retweets",
        "expected_log_likes",
        "expected_log_impressions",
        "expected_popularity_score",
    ]
    assert table["tweet_id"].tolist() == [t["id"] for t in tweets]
    assert (table.drop(columns="tweet_id") >= 0).all().all()
    observed = np.log1p([t["public_metrics"]["retweet_count"] for t in tweets])
    assert np.corrcoef(table["expected_log_retweets"], observed)[0, 1] > 0.4
    observed_views = np.log1p([t["public_metrics"]["impression_count"] for t in tweets])
    assert np.corrcoef(table["expected_log_impressions"], observed_views)[0, 1] > 0.4


def test_oracle_reads_only_the_oracle_folder(tmp_path, tiny_world, oracle, pairs):
    positives, negatives = pairs
    sample = positives[:50] + negatives[:50]
    tweet_ids = [t for _, t in sample[:10]]
    before = _probabilities(oracle, sample)
    popularity = oracle.expected_popularity(tweet_ids, n_draws=4)

    alone = tmp_path / "only_oracle"
    shutil.copytree(tiny_world / "oracle", alone)
    moved = WorldOracle.load(alone)
    np.testing.assert_array_equal(_probabilities(moved, sample), before)
    assert moved.expected_popularity(tweet_ids, n_draws=4).equals(popularity)

    scrambled = tmp_path / "scrambled"
    shutil.copytree(tiny_world, scrambled)
    for name in ("tweets.jsonl", "retweets.jsonl", "replies.jsonl", "users.jsonl"):
        (scrambled / name).write_text('{"garbage": true}\n', encoding="utf-8")
    again = WorldOracle.load(scrambled / "oracle")
    np.testing.assert_array_equal(_probabilities(again, sample), before)
    assert again.expected_popularity(tweet_ids, n_draws=4).equals(popularity)
