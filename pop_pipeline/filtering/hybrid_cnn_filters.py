"""The filters of the Hybrid CNN paper (001 §3.1) that make the image-tweet datasets.

Every original tweet is kept or dropped by the first rule it fails, in this order, and the
count per rule is reported:

``no_image``               no attached media key (a text-only tweet)
``image_unresolved``       media keys present but none resolved to a decoded photo (quarantined)
``unknown_author``         the author is not among the users read
``too_recent``             fewer than ``min_days_since_posting`` days between posting and collection
``too_many_retweets``      more than ``max_retweets`` retweets
``too_many_likes``         more than ``max_likes`` likes
``author_too_many_followers`` the author has more than ``max_author_followers`` followers
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from pop_pipeline.ml.features.tweet_text import context_text

FILTER_RULES = (
    "no_image",
    "image_unresolved",
    "unknown_author",
    "too_recent",
    "too_many_retweets",
    "too_many_likes",
    "author_too_many_followers",
)


@dataclass(frozen=True)
class FilterThresholds:
    min_days_since_posting: float = 7.0  # paper 001: at least a week between posting and collection
    max_retweets: int = 10_000  # paper 001: drop outliers with more than 10,000 retweets
    max_likes: int = 10_000  # paper 001: ... or more than 10,000 likes
    max_author_followers: int = 100_000  # paper 001: drop authors with more than 100,000 followers


@dataclass(frozen=True)
class FilteredTweets:
    image_tweets: pd.DataFrame
    dropped: dict[str, int]


def filter_image_tweets(
    tweets: pd.DataFrame,
    media: pd.DataFrame,
    users: pd.DataFrame,
    replies: pd.DataFrame,
    collected_at: datetime,
    thresholds: FilterThresholds,
) -> FilteredTweets:
    """Image tweets that pass the paper's filters, with author, media and comment columns."""
    photos = media[media["media_type"] == "photo"].set_index("media_key")
    frame = tweets.copy()
    has_keys = frame["media_keys"].map(len) > 0
    first_photo = frame["media_keys"].map(
        lambda keys: next((key for key in keys if key in photos.index), None)
    )
    followers = users.set_index("user_id")["followers_count"]
    frame["author_followers_count"] = frame["author_id"].map(followers)
    days = (pd.Timestamp(collected_at) - frame["created_at"]).dt.total_seconds() / 86_400.0
    failing = {
        "no_image": ~has_keys,
        "image_unresolved": has_keys & first_photo.isna(),
        "unknown_author": frame["author_followers_count"].isna(),
        "too_recent": days < thresholds.min_days_since_posting,
        "too_many_retweets": frame["retweet_count"] > thresholds.max_retweets,
        "too_many_likes": frame["like_count"] > thresholds.max_likes,
        "author_too_many_followers": frame["author_followers_count"]
        > thresholds.max_author_followers,
    }
    rule = pd.Series(None, index=frame.index, dtype=object)
    for name in FILTER_RULES:
        rule = rule.where(rule.notna() | ~failing[name].fillna(False), name)
    dropped = {name: int((rule == name).sum()) for name in FILTER_RULES}
    keep = rule.isna()

    kept = frame[keep].copy()
    kept["media_key"] = first_photo[keep]
    kept["media_uri"] = kept["media_key"].map(photos["uri"])
    kept["image_width"] = kept["media_key"].map(photos["width"]).astype(np.int64)
    kept["image_height"] = kept["media_key"].map(photos["height"]).astype(np.int64)
    kept["author_followers_count"] = kept["author_followers_count"].astype(np.int64)
    kept["days_since_posting"] = days[keep]
    kept["hours_elapsed"] = days[keep] * 24.0
    comments = _comments_by_tweet(replies)
    kept["comments"] = (
        kept["tweet_id"]
        .map(comments)
        .map(lambda value: list(value) if isinstance(value, list) else [])
    )
    kept["context_text"] = [
        context_text(text, comment_list)
        for text, comment_list in zip(kept["text"], kept["comments"], strict=True)
    ]
    kept = kept.drop(columns=["media_keys"]).sort_values(["created_at", "tweet_id"])
    return FilteredTweets(image_tweets=kept.reset_index(drop=True), dropped=dropped)


def _comments_by_tweet(replies: pd.DataFrame) -> pd.Series:
    if replies.empty:
        return pd.Series(dtype=object)
    ordered = replies.sort_values(["tweet_id", "created_at", "reply_id"])
    return ordered.groupby("tweet_id", sort=False)["text"].agg(list)


@dataclass(frozen=True)
class FilteredRetweets:
    retweets: pd.DataFrame
    dropped: dict[str, int]


def filter_image_retweets(
    retweets: pd.DataFrame, image_tweets: pd.DataFrame, users: pd.DataFrame
) -> FilteredRetweets:
    """Retweets of kept image tweets by known users, after the tweet was posted."""
    posted = image_tweets.set_index("tweet_id")["created_at"]
    known_users = set(users["user_id"])
    frame = retweets.copy()
    created = frame["tweet_id"].map(posted)
    failing = {
        "tweet_not_kept": created.isna(),
        "unknown_user": ~frame["user_id"].isin(known_users),
        "before_tweet": frame["retweeted_at"] < created,
    }
    rule = pd.Series(None, index=frame.index, dtype=object)
    for name, mask in failing.items():
        rule = rule.where(rule.notna() | ~mask.fillna(False), name)
    kept = frame[rule.isna()].sort_values(["retweeted_at", "retweet_id"]).reset_index(drop=True)
    return FilteredRetweets(
        retweets=kept, dropped={name: int((rule == name).sum()) for name in failing}
    )
