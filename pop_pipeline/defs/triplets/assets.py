"""Negative-sampled triplets for training and the AMNL protocol's test candidates."""


import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ml.samplers.followee_negatives import sample_followee_negatives
from pop_pipeline.storage.duckdb_store import DuckDBStore

TRIPLETS_GROUP = "triplets"


class FolloweeNegativeConfig(dg.Config):
    """AMNL's sampler (paper 000 §II-A, §III-A-1): 2 followee tweets not retweeted per retweet."""

    train_fraction: float = 0.8
    negatives_per_positive: int = 2
    seed: int = 2024  # the training draw; the test draw uses seed + 1


def _sampler_inputs(store: DuckDBStore, train_fraction: float, split: str):
    positives = store.query(
        "SELECT user_id, tweet_id, retweeted_at FROM retweet_splits "
        "WHERE train_fraction = ? AND split = ? ORDER BY retweeted_at, retweet_id",
        [train_fraction, split],
    )
    tweets = store.query("SELECT tweet_id, author_id, created_at FROM image_tweets")
    follows = store.query("SELECT source_user_id, target_user_id FROM raw_follows")
    all_retweets = store.query("SELECT user_id, tweet_id FROM image_retweets")
    return positives, tweets, follows, all_retweets


@dg.asset(
    group_name=TRIPLETS_GROUP,
    kinds={"duckdb", "pandas"},
    deps=["retweet_splits", "image_tweets", "image_retweets", "raw_follows"],
    pool="duckdb",
)
def followee_negative_triplets(
    config: FolloweeNegativeConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Training triplets (user j, retweeted tweet i, followee tweet k that j did not retweet)."""
    store = duckdb.store()
    positives, tweets, follows, all_retweets = _sampler_inputs(
        store, config.train_fraction, "train"
    )
    sample = sample_followee_negatives(
        positives,
        tweets,
        follows,
        all_retweets,
        n_negatives=config.negatives_per_positive,
        seed=config.seed,
    )
    triplets = sample.triplets.assign(train_fraction=config.train_fraction, seed=config.seed)
    store.replace_table("followee_negative_triplets", triplets)
    shortfalls = sample.short.assign(train_fraction=config.train_fraction, split="train")
    store.replace_rows("triplet_shortfalls", shortfalls, where={"split": "train"})
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(triplets),
            "positives": len(positives),
            "positives_short_of_negatives": len(sample.short),
            "negatives_from_any_time_pool": int((triplets["pool"] == "any_time").sum()),
            "seed": config.seed,
            "train_fraction": config.train_fraction,
        }
    )


@dg.asset(
    group_name=TRIPLETS_GROUP,
    kinds={"duckdb", "pandas"},
    deps=["retweet_splits", "image_tweets", "image_retweets", "raw_follows"],
    pool="duckdb",
)
def ranking_test_candidates(
    config: FolloweeNegativeConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """The AMNL protocol's test set: each test retweet of a user seen in training with 2
    followee negatives; one row per distinct (user, tweet) with ``label`` 1 or 0 and ``at``,
    the time of the positive it was drawn for (what the oracle is asked about).

    Users without a training retweet have no preference vector in any model and are left out
    (counted in the metadata)."""
    store = duckdb.store()
    positives, tweets, follows, all_retweets = _sampler_inputs(store, config.train_fraction, "test")
    trained_users = set(
        store.query(
            "SELECT DISTINCT user_id FROM retweet_splits WHERE train_fraction = ? "
            "AND split = 'train'",
            [config.train_fraction],
        )["user_id"]
    )
    warm = positives[positives["user_id"].isin(trained_users)]
    sample = sample_followee_negatives(
        warm,
        tweets,
        follows,
        all_retweets,
        n_negatives=config.negatives_per_positive,
        seed=config.seed + 1,
    )
    positive_rows = warm.rename(columns={"retweeted_at": "at"}).assign(
        label=1, positive_tweet_id=warm["tweet_id"]
    )
    negative_rows = sample.triplets.rename(
        columns={
            "neg_tweet_id": "tweet_id",
            "retweeted_at": "at",
            "pos_tweet_id": "positive_tweet_id",
        }
    ).assign(label=0)
    columns = ["user_id", "tweet_id", "label", "at", "positive_tweet_id"]
    candidates = (
        pd.concat([positive_rows[columns], negative_rows[columns]], ignore_index=True)
        .sort_values(["user_id", "label", "at", "tweet_id"], ascending=[True, False, True, True])
        .drop_duplicates(["user_id", "tweet_id"], keep="first")
        .reset_index(drop=True)
        .assign(train_fraction=config.train_fraction)
    )
    store.replace_table("ranking_test_candidates", candidates)
    shortfalls = sample.short.assign(train_fraction=config.train_fraction, split="test")
    store.replace_rows("triplet_shortfalls", shortfalls, where={"split": "test"})
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(candidates),
            "test_positives": int(candidates["label"].sum()),
            "test_users": int(candidates["user_id"].nunique()),
            "test_positives_of_cold_users": len(positives) - len(warm),
            "positives_short_of_negatives": len(sample.short),
            "seed": config.seed + 1,
        }
    )
