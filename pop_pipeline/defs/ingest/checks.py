"""Blocking Great Expectations checks on the raw users and tweets."""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.quality import suite_check_result
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.quality.gx_validation import gxe, validate_frame

# A few unreadable images must not stop the nightly run (they are quarantined); a broken drop
# where many tweets lose their image must.
MIN_MEDIA_RESOLVED_SHARE = 0.95


def _collected_at(store) -> pd.Timestamp:
    return pd.Timestamp(store.query("SELECT collected_at FROM raw_collection").iloc[0, 0])


@dg.asset_check(asset="raw_tweets", blocking=True, additional_deps=["raw_collection", "raw_media"])
def raw_tweets_are_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Unique non-null ids, timestamps not after collection, non-negative counts, media resolve."""
    store = duckdb.store()
    collected_at = _collected_at(store)
    tweets = store.query(
        """
        WITH keys AS (SELECT tweet_id, unnest(media_keys) AS media_key FROM raw_tweets),
        resolved AS (
            SELECT k.tweet_id, bool_and(m.media_key IS NOT NULL) AS media_resolved
            FROM keys k LEFT JOIN raw_media m USING (media_key) GROUP BY k.tweet_id
        )
        SELECT t.tweet_id, t.author_id, t.created_at, t.retweet_count, t.reply_count,
               t.like_count, t.quote_count, t.impression_count, r.media_resolved
        FROM raw_tweets t LEFT JOIN resolved r USING (tweet_id)
        """
    )
    counts = ["retweet_count", "reply_count", "like_count", "quote_count", "impression_count"]
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="tweet_id"),
        gxe.ExpectColumnValuesToBeUnique(column="tweet_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="author_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_at"),
        gxe.ExpectColumnValuesToBeBetween(column="created_at", max_value=collected_at),
        *(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0) for column in counts),
        gxe.ExpectColumnValuesToBeInSet(
            column="media_resolved", value_set=[True], mostly=MIN_MEDIA_RESOLVED_SHARE
        ),
    ]
    return suite_check_result(validate_frame(tweets, "raw_tweets", expectations))


@dg.asset_check(asset="raw_users", blocking=True, additional_deps=["raw_collection"])
def raw_users_are_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Unique non-null ids, creation times not after collection, non-negative counts."""
    store = duckdb.store()
    collected_at = _collected_at(store)
    users = store.table("raw_users")
    counts = ["followers_count", "following_count", "tweet_count", "listed_count"]
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="user_id"),
        gxe.ExpectColumnValuesToBeUnique(column="user_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_at"),
        gxe.ExpectColumnValuesToBeBetween(column="created_at", max_value=collected_at),
        *(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0) for column in counts),
    ]
    return suite_check_result(validate_frame(users, "raw_users", expectations))
