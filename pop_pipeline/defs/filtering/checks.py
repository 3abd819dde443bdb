"""Blocking Great Expectations checks on the filtered datasets."""

import dagster as dg

from pop_pipeline.defs.quality import suite_check_result
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.quality.gx_validation import gxe, validate_frame


@dg.asset_check(asset="image_tweets", blocking=True)
def image_tweets_are_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Unique ids, a resolved photo each, and every row within the paper's filters."""
    frame = duckdb.store().query(
        "SELECT tweet_id, media_uri, image_width, image_height, days_since_posting, "
        "retweet_count, like_count, author_followers_count, context_text FROM image_tweets"
    )
    expectations = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="tweet_id"),
        gxe.ExpectColumnValuesToBeUnique(column="tweet_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="media_uri"),
        gxe.ExpectColumnValuesToBeBetween(column="image_width", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="image_height", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="retweet_count", min_value=0, max_value=10_000),
        gxe.ExpectColumnValuesToBeBetween(column="like_count", min_value=0, max_value=10_000),
        gxe.ExpectColumnValuesToBeBetween(column="author_followers_count", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="context_text"),
    ]
    return suite_check_result(
        validate_frame(frame, "image_tweets", expectations, id_column="tweet_id")
    )


@dg.asset_check(asset="retweet_splits", blocking=True)
def retweet_splits_are_chronological(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Per training fraction: both splits present, and every train retweet precedes every test
    retweet (no future leaks into training)."""
    frame = duckdb.store().query(
        """
        SELECT train_fraction,
               count(*) FILTER (split = 'train') AS n_train,
               count(*) FILTER (split = 'test') AS n_test,
               epoch(max(retweeted_at) FILTER (split = 'train'))
                 - epoch(min(retweeted_at) FILTER (split = 'test')) AS train_after_test_seconds,
               count(*) FILTER (split = 'train') / count(*) - train_fraction AS fraction_error
        FROM retweet_splits GROUP BY train_fraction
        """
    )
    expectations = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="n_train", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="n_test", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="train_after_test_seconds", max_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="fraction_error", min_value=-0.01, max_value=0.01),
    ]
    return suite_check_result(
        validate_frame(frame, "retweet_splits", expectations, id_column="train_fraction")
    )
