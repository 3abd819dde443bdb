"""The tweet frame every regression input is built from: a tweet, its author and categories.

One row per image tweet with the columns of :data:`REGRESSION_TWEET_COLUMNS`. Training reads it
from the stored lineage (:func:`load_regression_tweets`: ``image_tweets`` joined with the
author's ``raw_users`` row); a new tweet at prediction time gets the same columns from the
prediction input and the stored users (:mod:`pop_pipeline.regression.data.new_tweet_inputs`).
"""

from __future__ import annotations

import pandas as pd

from pop_pipeline.storage.duckdb_store import DuckDBStore

REGRESSION_TWEET_COLUMNS = (
    "tweet_id",  # str
    "author_id",  # str
    "created_at",  # naive UTC datetime of posting
    "text",  # the caption
    "media_uri",  # local path or s3:// URI of the photo
    "hours_elapsed",  # float: hours from posting to collection (or to prediction)
    "category",  # str or None: the three category levels (context annotations)
    "subcategory",
    "concept",
    "author_followers_count",  # the author's public counts (NaN when unknown)
    "author_following_count",
    "author_tweet_count",
    "author_listed_count",
    "author_created_at",  # naive UTC datetime the author's account was made (NaT when unknown)
)


def load_regression_tweets(store: DuckDBStore) -> pd.DataFrame:
    """Every filtered image tweet with its author's counts, in chronological order."""
    return store.query(
        """
        SELECT t.tweet_id, t.author_id, t.created_at, t.text, t.media_uri, t.hours_elapsed,
               t.category, t.subcategory, t.concept, t.author_followers_count,
               u.following_count AS author_following_count,
               u.tweet_count AS author_tweet_count,
               u.listed_count AS author_listed_count,
               u.created_at AS author_created_at
        FROM image_tweets t LEFT JOIN raw_users u ON u.user_id = t.author_id
        ORDER BY t.created_at, t.tweet_id
        """
    )
