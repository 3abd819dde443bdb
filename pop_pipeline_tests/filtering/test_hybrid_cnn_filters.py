from datetime import datetime

import pandas as pd

from pop_pipeline.filtering.hybrid_cnn_filters import (
    FilterThresholds,
    filter_image_retweets,
    filter_image_tweets,
)

COLLECTED = datetime(2026, 2, 1)


def _tweet(tid, author, keys, created, retweets=1, likes=1):
    return {
        "tweet_id": tid,
        "author_id": author,
        "media_keys": keys,
        "text": f"caption {tid}",
        "created_at": pd.Timestamp(created),
        "retweet_count": retweets,
        "like_count": likes,
    }


def _frames():
    tweets = pd.DataFrame(
        [
            _tweet("1", "a", ["m1"], "2026-01-01"),  # kept
            _tweet("2", "a", [], "2026-01-01"),  # no_image
            _tweet("3", "a", ["gone"], "2026-01-01"),  # image_unresolved
            _tweet("4", "zz", ["m1"], "2026-01-01"),  # unknown_author
            _tweet("5", "a", ["m1"], "2026-01-28"),  # too_recent (4 days)
            _tweet("6", "a", ["m1"], "2026-01-01", retweets=10_001),  # too_many_retweets
            _tweet("7", "a", ["m1"], "2026-01-01", likes=10_001),  # too_many_likes
            _tweet("8", "b", ["m1"], "2026-01-01"),  # author_too_many_followers
            _tweet("9", "a", ["m1"], "2026-01-26", retweets=10_001),  # too_recent wins (first rule)
        ]
    )
    media = pd.DataFrame(
        {
            "media_key": ["m1"],
            "media_type": ["photo"],
            "uri": ["/m1.jpg"],
            "width": [64],
            "height": [48],
        }
    )
    users = pd.DataFrame({"user_id": ["a", "b", "c"], "followers_count": [50, 100_001, 5]})
    replies = pd.DataFrame(
        {
            "reply_id": ["r2", "r1"],
            "tweet_id": ["1", "1"],
            "created_at": pd.to_datetime(["2026-01-03", "2026-01-02"]),
            "text": ["second", "first"],
        }
    )
    return tweets, media, users, replies


def test_each_rule_counts_the_tweets_it_drops_first():
    result = filter_image_tweets(*_frames(), COLLECTED, FilterThresholds())
    assert list(result.image_tweets["tweet_id"]) == ["1"]
    assert result.dropped == {
        "no_image": 1,
        "image_unresolved": 1,
        "unknown_author": 1,
        "too_recent": 2,
        "too_many_retweets": 1,
        "too_many_likes": 1,
        "author_too_many_followers": 1,
    }


def test_kept_rows_carry_author_image_and_comments():
    row = filter_image_tweets(*_frames(), COLLECTED, FilterThresholds()).image_tweets.iloc[0]
    assert row["media_uri"] == "/m1.jpg" and row["image_width"] == 64
    assert row["author_followers_count"] == 50
    assert row["hours_elapsed"] == 31 * 24
    assert list(row["comments"]) == ["first", "second"]
    assert row["context_text"] == "caption 1 . first . second"


def test_thresholds_are_configurable():
    loose = FilterThresholds(
        min_days_since_posting=0, max_retweets=20_000, max_likes=20_000, max_author_followers=10**9
    )
    kept = filter_image_tweets(*_frames(), COLLECTED, loose).image_tweets
    assert sorted(kept["tweet_id"]) == ["1", "5", "6", "7", "8", "9"]


def test_retweets_of_dropped_tweets_or_unknown_users_are_counted():
    image_tweets = pd.DataFrame({"tweet_id": ["1"], "created_at": [pd.Timestamp("2026-01-01")]})
    users = pd.DataFrame({"user_id": ["a", "c"]})
    retweets = pd.DataFrame(
        {
            "retweet_id": ["10", "11", "12", "13"],
            "user_id": ["c", "c", "zz", "c"],
            "tweet_id": ["1", "2", "1", "1"],
            "retweeted_at": pd.to_datetime(
                ["2026-01-02", "2026-01-02", "2026-01-02", "2025-12-31"]
            ),
        }
    )
    result = filter_image_retweets(retweets, image_tweets, users)
    assert list(result.retweets["retweet_id"]) == ["10"]
    assert result.dropped == {"tweet_not_kept": 1, "unknown_user": 1, "before_tweet": 1}
