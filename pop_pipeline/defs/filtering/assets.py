"""Filtered datasets: image tweets under the Hybrid CNN filters, their retweets, and splits."""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.filtering.hybrid_cnn_filters import (
    FilterThresholds,
    filter_image_retweets,
    filter_image_tweets,
)
from pop_pipeline.ranking.data.chronological_splits import chronological_retweet_splits
from pop_pipeline.ranking.protocols import AMNL_TRAIN_FRACTIONS

FILTERED_GROUP = "filtered"


class ImageTweetFilterConfig(dg.Config):
    """The Hybrid CNN paper's filters (001 §3.1); defaults are the paper's values."""

    min_days_since_posting: float = 7.0
    max_retweets: int = 10_000
    max_likes: int = 10_000
    max_author_followers: int = 100_000


@dg.asset(
    group_name=FILTERED_GROUP,
    kinds={"duckdb", "pandas"},
    deps=["raw_tweets", "raw_media", "raw_users", "raw_replies", "raw_collection"],
    pool="duckdb",
)
def image_tweets(
    context: dg.AssetExecutionContext, config: ImageTweetFilterConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Original tweets with a decoded photo that pass the paper's filters, with their author's
    follower count, hours elapsed until collection and their comments (AMNL's context text)."""
    store = duckdb.store()
    collected_at = store.query("SELECT collected_at FROM raw_collection").iloc[0, 0]
    result = filter_image_tweets(
        tweets=store.table("raw_tweets"),
        media=store.table("raw_media"),
        users=store.table("raw_users"),
        replies=store.table("raw_replies"),
        collected_at=pd.Timestamp(collected_at).to_pydatetime(),
        thresholds=FilterThresholds(**config.model_dump()),
    )
    store.replace_table("image_tweets", result.image_tweets)
    kept = len(result.image_tweets)
    context.log.info(f"kept {kept} image tweets; dropped {result.dropped}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": kept,
            **{f"dropped_{rule}": count for rule, count in result.dropped.items()},
            "dropped_total": sum(result.dropped.values()),
        }
    )


@dg.asset(
    group_name=FILTERED_GROUP,
    kinds={"duckdb", "pandas"},
    deps=["image_tweets", "raw_retweets", "raw_users"],
    pool="duckdb",
)
def image_retweets(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Retweets of the kept image tweets by known users, in time order."""
    store = duckdb.store()
    result = filter_image_retweets(
        store.table("raw_retweets"), store.table("image_tweets"), store.table("raw_users")
    )
    store.replace_table("image_retweets", result.retweets)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(result.retweets),
            **{f"dropped_{rule}": count for rule, count in result.dropped.items()},
        }
    )


class RetweetSplitConfig(dg.Config):
    """Training fractions of the chronological split (AMNL trains on 60, 70 and 80 %)."""

    train_fractions: list[float] = list(AMNL_TRAIN_FRACTIONS)  # noqa: RUF012 (pydantic copies)


@dg.asset(group_name=FILTERED_GROUP, kinds={"duckdb"}, deps=["image_retweets"], pool="duckdb")
def retweet_splits(config: RetweetSplitConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Chronological train/test label of every retweet, for each training fraction."""
    store = duckdb.store()
    splits = chronological_retweet_splits(store.table("image_retweets"), config.train_fractions)
    store.replace_table("retweet_splits", splits)
    cutoffs = splits[splits["split"] == "train"].groupby("train_fraction")["retweeted_at"].max()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(splits),
            "train_cutoffs": dg.MetadataValue.json(
                {f"{fraction:.2f}": str(cutoff) for fraction, cutoff in cutoffs.items()}
            ),
        }
    )
