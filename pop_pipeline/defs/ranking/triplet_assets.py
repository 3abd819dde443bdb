"""Negative-sampled triplets for training and the AMNL protocol's test candidates.

One slice per training fraction of the chronological split (AMNL trains on 60, 70 and 80 %),
every slice drawn with :class:`~pop_pipeline.ml.samplers.followee_negatives.FolloweeNegativeSampler`
(the training draw with ``seed``, the test draw with ``seed + 1``); the sampler's parameters are
recorded in ``triplet_samplers`` so that every model run logs them (``sampler.*``).
"""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ml.samplers.candidate_lists import ranking_candidates
from pop_pipeline.ml.samplers.followee_negatives import FolloweeNegativeSampler
from pop_pipeline.ranking.data.chronological_splits import train_cutoff
from pop_pipeline.ranking.data.ranking_data import record_sampler
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, AMNL_TRAIN_FRACTIONS
from pop_pipeline.storage.duckdb_store import DuckDBStore

TRIPLETS_GROUP = "triplets"


class FolloweeNegativeConfig(dg.Config):
    """AMNL's sampler (paper 000 §II-A, §III-A-1): 2 followee tweets not retweeted per retweet."""

    train_fractions: list[float] = list(AMNL_TRAIN_FRACTIONS)  # noqa: RUF012 (pydantic copies)
    negatives_per_positive: int = 2
    seed: int = 2024  # the training draw; the test draw uses seed + 1
    max_negative_age_hours: float = 168.0  # prefer followee tweets posted this recently

    def sampler(self, *, test: bool) -> FolloweeNegativeSampler:
        return FolloweeNegativeSampler(
            seed=self.seed + 1 if test else self.seed,
            n_negatives=self.negatives_per_positive,
            max_age_hours=self.max_negative_age_hours,
        )


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
    """Training triplets (user j, retweeted tweet i, followee tweet k that j did not retweet),
    one slice per training fraction."""
    store = duckdb.store()
    sampler = config.sampler(test=False)
    slices, shortfalls, counts = [], [], {}
    for fraction in config.train_fractions:
        positives, tweets, follows, labels = _sampler_inputs(store, fraction, "train")
        sample = sampler.sample(positives, tweets, acted=labels, follows=follows)
        slices.append(sample.triplets.assign(train_fraction=fraction, seed=sampler.seed))
        shortfalls.append(sample.short.assign(train_fraction=fraction, split="train"))
        counts[f"{fraction:.2f}"] = {
            "triplets": len(sample.triplets),
            "positives": len(positives),
            "positives_short_of_negatives": len(sample.short),
            "negatives_by_pool": sample.n_negatives_by_pool,
        }
    triplets = pd.concat(slices, ignore_index=True)
    store.replace_table("followee_negative_triplets", triplets)
    store.replace_rows(
        "triplet_shortfalls", pd.concat(shortfalls, ignore_index=True), where={"split": "train"}
    )
    record_sampler(
        store,
        protocol=AMNL_PROTOCOL,
        split="train",
        params_by_fraction={f: sampler.params() for f in config.train_fractions},
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(triplets),
            "by_train_fraction": dg.MetadataValue.json(counts),
            "sampler": dg.MetadataValue.json(sampler.params()),
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
    """The AMNL protocol's test set, one slice per training fraction.

    Each test retweet of a tweet posted after the training cutoff, by a user seen in
    training, with 2 followee negatives also posted after the cutoff; one row per distinct
    (user, tweet) with ``label`` 1 or 0 and ``seen_at``, the time of the positive it was drawn
    for (what the oracle is asked about). Users without a training retweet have no preference
    vector in any model and are left out (counted in the metadata)."""
    store = duckdb.store()
    sampler = config.sampler(test=True)
    slices, shortfalls, counts = [], [], {}
    for fraction in config.train_fractions:
        slice_, short, stats = _test_candidates(store, sampler, fraction)
        slices.append(slice_)
        shortfalls.append(short)
        counts[f"{fraction:.2f}"] = stats
    candidates = pd.concat(slices, ignore_index=True)
    store.replace_table("ranking_test_candidates", candidates)
    store.replace_rows(
        "triplet_shortfalls", pd.concat(shortfalls, ignore_index=True), where={"split": "test"}
    )
    record_sampler(
        store,
        protocol=AMNL_PROTOCOL,
        split="test",
        params_by_fraction={f: sampler.params() for f in config.train_fractions},
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(candidates),
            "by_train_fraction": dg.MetadataValue.json(counts),
            "seed": sampler.seed,
        }
    )


def _test_candidates(
    store: DuckDBStore, sampler: FolloweeNegativeSampler, fraction: float
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    positives, tweets, follows, all_retweets = _sampler_inputs(store, fraction, "test")
    trained_users = set(
        store.query(
            "SELECT DISTINCT user_id FROM retweet_splits WHERE train_fraction = ? "
            "AND split = 'train'",
            [fraction],
        )["user_id"]
    )
    warm = positives[positives["user_id"].isin(trained_users)]
    sample = sampler.sample(warm, tweets, acted=all_retweets, follows=follows)
    candidates = ranking_candidates(warm, sample).assign(train_fraction=fraction)
    all_test = store.query(
        "SELECT count(*) FROM retweet_splits WHERE train_fraction = ? AND split = 'test'",
        [fraction],
    ).iloc[0, 0]
    stats = {
        "candidates": len(candidates),
        "test_positives": int(candidates["label"].sum()),
        "test_users": int(candidates["user_id"].nunique()),
        "test_positives_of_cold_users": len(positives) - len(warm),
        "test_retweets_of_tweets_posted_before_cutoff": int(all_test) - len(positives),
        "positives_short_of_negatives": len(sample.short),
    }
    short = sample.short.assign(train_fraction=fraction, split="test")
    return candidates, short, stats
