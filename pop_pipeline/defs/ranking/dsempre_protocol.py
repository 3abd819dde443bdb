"""The D-Sempre protocol's triplets and test candidates: time-aware negatives (paper 003 §4.1).

Positives come from ``recent_action_splits`` (each user's latest actions are the test). For
every positive, :class:`~pop_pipeline.ml.samplers.time_aware_negatives.TimeAwareNegativeSampler`
draws up to ten image tweets posted within ±60 minutes of the retweet that the user did not act
on, closer ones likelier. Training negatives exclude only the user's *training* actions (the
test labels stay unknown to training); test negatives exclude every action of the user. The
training draw uses ``seed``, the test draw ``seed + 1``; both samplers' parameters are recorded
in ``triplet_samplers`` and logged by every model run as ``sampler.*``.
"""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.ranking.triplet_assets import TRIPLETS_GROUP
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ml.samplers.candidate_lists import ranking_candidates
from pop_pipeline.ml.samplers.time_aware_negatives import TimeAwareNegativeSampler
from pop_pipeline.ranking.data.ranking_data import record_sampler
from pop_pipeline.ranking.protocols import DSEMPRE_PROTOCOL
from pop_pipeline.storage.duckdb_store import DuckDBStore

DSEMPRE_TRIPLET_DEPS = ["recent_action_splits", "image_tweets", "raw_follows"]


class TimeAwareNegativeConfig(dg.Config):
    """D-Sempre's sampler (paper 003 §4.1): ten non-acted posts near the positive's time."""

    negatives_per_positive: int = 10  # the paper's ten
    window_minutes: float = 60.0  # the paper's Tr
    followees_only: bool = False  # the paper samples from every post
    seed: int = 2024  # the training draw; the test draw uses seed + 1

    def sampler(self, *, test: bool) -> TimeAwareNegativeSampler:
        return TimeAwareNegativeSampler(
            seed=self.seed + 1 if test else self.seed,
            n_negatives=self.negatives_per_positive,
            window_minutes=self.window_minutes,
            followees_only=self.followees_only,
        )


def _split_inputs(store: DuckDBStore, split: str):
    """Positives of one side of the split, the tweet pool, the actions to exclude, follows,
    and the split's training fraction."""
    positives = store.query(
        "SELECT user_id, tweet_id, retweeted_at FROM recent_action_splits WHERE split = ? "
        "ORDER BY retweeted_at, retweet_id",
        [split],
    )
    tweets = store.query("SELECT tweet_id, author_id, created_at FROM image_tweets")
    acted = store.query(
        "SELECT user_id, tweet_id FROM recent_action_splits"
        + (" WHERE split = 'train'" if split == "train" else "")
    )
    follows = store.query("SELECT source_user_id, target_user_id FROM raw_follows")
    fraction = float(
        store.query("SELECT any_value(train_fraction) FROM recent_action_splits").iloc[0, 0]
    )
    return positives, tweets, acted, follows, fraction


def _sample_metadata(sample, positives: pd.DataFrame, sampler) -> dict[str, object]:
    return {
        "positives": len(positives),
        "positives_short_of_negatives": len(sample.short),
        "short_reasons": dg.MetadataValue.json(
            {str(k): int(v) for k, v in sample.short["reason"].value_counts().items()}
        ),
        "sampler": dg.MetadataValue.json(sampler.params()),
    }


@dg.asset(
    group_name=TRIPLETS_GROUP, kinds={"duckdb", "pandas"}, deps=DSEMPRE_TRIPLET_DEPS, pool="duckdb"
)
def time_aware_negative_triplets(
    config: TimeAwareNegativeConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Training triplets of the D-Sempre protocol (user, retweeted tweet, a post from around
    the retweet's time the user had not acted on in training)."""
    store = duckdb.store()
    sampler = config.sampler(test=False)
    positives, tweets, acted, follows, fraction = _split_inputs(store, "train")
    sample = sampler.sample(positives, tweets, acted=acted, follows=follows)
    triplets = sample.triplets.assign(train_fraction=fraction, seed=sampler.seed)
    store.replace_table("time_aware_negative_triplets", triplets)
    record_sampler(
        store,
        protocol=DSEMPRE_PROTOCOL,
        split="train",
        params_by_fraction={fraction: sampler.params()},
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(triplets),
            **_sample_metadata(sample, positives, sampler),
        }
    )


@dg.asset(
    group_name=TRIPLETS_GROUP, kinds={"duckdb", "pandas"}, deps=DSEMPRE_TRIPLET_DEPS, pool="duckdb"
)
def dsempre_test_candidates(
    config: TimeAwareNegativeConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """The D-Sempre protocol's test set: per user, every test positive (the latest actions)
    with its time-aware negatives; one row per distinct (user, tweet) with ``label`` and
    ``seen_at`` (the positive's retweet time, what the oracle is asked about)."""
    store = duckdb.store()
    sampler = config.sampler(test=True)
    positives, tweets, acted, follows, fraction = _split_inputs(store, "test")
    sample = sampler.sample(positives, tweets, acted=acted, follows=follows)
    candidates = ranking_candidates(positives, sample).assign(train_fraction=fraction)
    store.replace_table("dsempre_test_candidates", candidates)
    record_sampler(
        store,
        protocol=DSEMPRE_PROTOCOL,
        split="test",
        params_by_fraction={fraction: sampler.params()},
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(candidates),
            "test_users": int(candidates["user_id"].nunique()),
            "test_positives": int(candidates["label"].sum()),
            **_sample_metadata(sample, positives, sampler),
        }
    )
