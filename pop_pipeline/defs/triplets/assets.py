"""Negative-sampled triplets for training and the AMNL protocol's test candidates."""

import dagster as dg
import pandas as pd

from pop_pipeline.datasets.chronological_splits import train_cutoff
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ml.samplers.followee_negatives import sample_followee_negatives
from pop_pipeline.storage.duckdb_store import DuckDBStore

TRIPLETS_GROUP = "triplets"


class FolloweeNegativeConfig(dg.Config):
    """AMNL's sampler (paper 000 §II-A, §III-A-1): 2 followee tweets not retweeted per retweet."""

    train_fraction: float = 0.8
    negatives_per_positive: int = 2
    seed: int = 2024  # the training draw; the test draw uses seed + 1
    max_negative_age_hours: float = 168.0  # prefer followee tweets posted this recently


def _sampler_inputs(store: DuckDBStore, train_fraction: float, split: str):
    """Positives of one split with the tweets, follows and labels the sampler may use.

    Training sees only what was known at the cutoff: a training negative is a tweet posted by
    then that the user did not retweet *in the training period*. The test draws candidates
    among tweets posted after the cutoff (new tweets, as in AMNL's Table III where the
    collaborative baselines sit at AUC 0.5), so no model has seen a test candidate's retweets
    or negative draws.
    """
    cutoff = train_cutoff(store, train_fraction).to_pydatetime()
    positives = store.query(
        "SELECT s.user_id, s.tweet_id, s.retweeted_at FROM retweet_splits s "
        "JOIN image_tweets t USING (tweet_id) WHERE s.train_fraction = ? AND s.split = ? "
        + ("" if split == "train" else "AND t.created_at > ? ")
        + "ORDER BY s.retweeted_at, s.retweet_id",
        [train_fraction, split] + ([] if split == "train" else [cutoff]),
    )
    tweets = store.query(
        "SELECT tweet_id, author_id, created_at FROM image_tweets WHERE created_at "
        + ("<= ?" if split == "train" else "> ?"),
        [cutoff],
    )
    follows = store.query("SELECT source_user_id, target_user_id FROM raw_follows")
    labels = store.query(
        "SELECT user_id, tweet_id FROM retweet_splits WHERE train_fraction = ?"
        + (" AND split = 'train'" if split == "train" else ""),
        [train_fraction],
    )
    return positives, tweets, follows, labels


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
        max_age=pd.Timedelta(hours=config.max_negative_age_hours),
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
            "negatives_by_pool": dg.MetadataValue.json(
                {k: int(v) for k, v in triplets["pool"].value_counts().items()}
            ),
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
    """The AMNL protocol's test set.

    Each test retweet of a tweet posted after the training cutoff, by a user seen in
    training, with 2 followee negatives also posted after the cutoff; one row per distinct
    (user, tweet) with ``label`` 1 or 0 and ``seen_at``, the time of the positive it was drawn
    for (what the oracle is asked about). Users without a training retweet have no preference
    vector in any model and are left out (counted in the metadata)."""
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
        max_age=pd.Timedelta(hours=config.max_negative_age_hours),
    )
    positive_rows = warm.rename(columns={"retweeted_at": "seen_at"}).assign(
        label=1, positive_tweet_id=warm["tweet_id"]
    )
    negative_rows = sample.triplets.rename(
        columns={
            "neg_tweet_id": "tweet_id",
            "retweeted_at": "seen_at",
            "pos_tweet_id": "positive_tweet_id",
        }
    ).assign(label=0)
    columns = ["user_id", "tweet_id", "label", "seen_at", "positive_tweet_id"]
    candidates = (
        pd.concat([positive_rows[columns], negative_rows[columns]], ignore_index=True)
        .sort_values(
            ["user_id", "label", "seen_at", "tweet_id"], ascending=[True, False, True, True]
        )
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
            "test_retweets_of_tweets_posted_before_cutoff": int(
                store.query(
                    "SELECT count(*) FROM retweet_splits WHERE train_fraction = ? "
                    "AND split = 'test'",
                    [config.train_fraction],
                ).iloc[0, 0]
            )
            - len(positives),
            "positives_short_of_negatives": len(sample.short),
            "seed": config.seed + 1,
        }
    )
