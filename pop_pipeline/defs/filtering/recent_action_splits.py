"""The D-Sempre protocol's split: each user's most recent retweets are the test (paper 003 §4.1)."""

import dagster as dg

from pop_pipeline.defs.filtering.assets import FILTERED_GROUP
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ranking.data import recent_action_splits as splitting


class RecentActionSplitConfig(dg.Config):
    """The paper tests on each user's latest 500 retweets; our users act ~10 times, so a share."""

    test_fraction: float = (
        splitting.DEFAULT_TEST_FRACTION
    )  # ceil(share · n) latest actions of a user
    min_train_actions: int = 1  # every user keeps this many actions in training


@dg.asset(group_name=FILTERED_GROUP, kinds={"duckdb"}, deps=["image_retweets"], pool="duckdb")
def recent_action_splits(
    config: RecentActionSplitConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """``train``/``test`` label of every image retweet by the per-user recency split, with
    ``recency_rank`` (0 = the user's latest) and ``train_fraction`` = 1 − ``test_fraction``
    (the protocol's slice key in ``metrics``)."""
    store = duckdb.store()
    actions = store.query("SELECT retweet_id, user_id, tweet_id, retweeted_at FROM image_retweets")
    splits = splitting.recent_action_splits(
        actions, test_fraction=config.test_fraction, min_train_actions=config.min_train_actions
    ).assign(train_fraction=round(1.0 - config.test_fraction, 6))
    store.replace_table("recent_action_splits", splits)
    test = splits[splits["split"] == "test"]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(splits),
            "test_actions": len(test),
            "test_users": int(test["user_id"].nunique()),
            "train_only_users": int(splits["user_id"].nunique() - test["user_id"].nunique()),
        }
    )
