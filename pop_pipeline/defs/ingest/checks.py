"""Blocking Great Expectations checks on the raw users and tweets, run on the staged drop.

``raw_tables`` stages a drop, runs these suites on the staged tables and publishes the drop only
when all of them pass; it declares them as its own blocking ``check_specs`` (see ``assets.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import pandas as pd

from pop_pipeline.quality.gx_validation import SuiteOutcome, gxe, validate_frame
from pop_pipeline.storage.staging import StagingSchema

# A few unreadable images must not stop the nightly run (they are quarantined); a broken drop
# where many tweets lose their image must.
MIN_MEDIA_RESOLVED_SHARE = 0.95


def _collected_at(staged: StagingSchema) -> pd.Timestamp:
    frame = staged.query(f"SELECT collected_at FROM {staged.qualified('raw_collection')}")
    return pd.Timestamp(frame.iloc[0, 0])


def validate_raw_tweets(staged: StagingSchema) -> SuiteOutcome:
    """Unique non-null ids, timestamps not after collection, non-negative counts, media resolve."""
    collected_at = _collected_at(staged)
    tweets = staged.query(
        f"""
        WITH keys AS (
            SELECT tweet_id, unnest(media_keys) AS media_key FROM {staged.qualified("raw_tweets")}
        ),
        resolved AS (
            SELECT k.tweet_id, bool_and(m.media_key IS NOT NULL) AS media_resolved
            FROM keys k LEFT JOIN {staged.qualified("raw_media")} m USING (media_key)
            GROUP BY k.tweet_id
        )
        SELECT t.tweet_id, t.author_id, t.created_at, t.retweet_count, t.reply_count,
               t.like_count, t.quote_count, t.impression_count, r.media_resolved
        FROM {staged.qualified("raw_tweets")} t LEFT JOIN resolved r USING (tweet_id)
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
    return validate_frame(tweets, "raw_tweets", expectations, id_column="tweet_id")


def validate_raw_users(staged: StagingSchema) -> SuiteOutcome:
    """Unique non-null ids, creation times not after collection, non-negative counts."""
    collected_at = _collected_at(staged)
    users = staged.query(f"SELECT * FROM {staged.qualified('raw_users')}")
    counts = ["followers_count", "following_count", "tweet_count", "listed_count"]
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="user_id"),
        gxe.ExpectColumnValuesToBeUnique(column="user_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_at"),
        gxe.ExpectColumnValuesToBeBetween(column="created_at", max_value=collected_at),
        *(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0) for column in counts),
    ]
    return validate_frame(users, "raw_users", expectations, id_column="user_id")


@dataclass(frozen=True)
class RawCheck:
    """One blocking suite on the staged drop, declared as a check spec of ``raw_tables``."""

    name: str
    asset: str
    validate: Callable[[StagingSchema], SuiteOutcome]

    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(
            self.name,
            asset=self.asset,
            blocking=True,
            description=(self.validate.__doc__ or "").strip()
            + " Run on the staged drop, before it replaces the raw tables.",
        )


RAW_CHECKS = (
    RawCheck("raw_tweets_are_valid", "raw_tweets", validate_raw_tweets),
    RawCheck("raw_users_are_valid", "raw_users", validate_raw_users),
)
