"""Per-user test candidate lists: the positives plus the negatives sampled for them.

The ranking protocols (AMNL paper 000 §III-B, D-Sempre paper 003 §4.1) rank, for each user,
all of that user's test positives together with their sampled negatives. A tweet drawn as a
negative for two positives of the same user appears once; a tweet that is both a positive and a
sampled negative (impossible with our samplers, which never draw an acted-on tweet) keeps the
positive label.
"""

from __future__ import annotations

import pandas as pd

from pop_pipeline.ml.samplers.base import NegativeSample

CANDIDATE_COLUMNS = ["user_id", "tweet_id", "label", "seen_at", "positive_tweet_id"]


def ranking_candidates(positives: pd.DataFrame, sample: NegativeSample) -> pd.DataFrame:
    """One row per distinct (user, tweet) with :data:`CANDIDATE_COLUMNS`.

    ``label`` is 1 for a positive and 0 for a sampled negative; ``seen_at`` is the time of the
    positive the row belongs to (for a negative drawn twice, the earliest); ``positive_tweet_id``
    is that positive. ``positives`` has ``user_id``, ``tweet_id``, ``retweeted_at``; ``sample``
    is what a sampler drew for them. Sorted by user, then positives first, then time and tweet.
    """
    kept = positives[["user_id", "tweet_id", "retweeted_at"]].astype(
        {"user_id": str, "tweet_id": str}
    )
    positive_rows = kept.rename(columns={"retweeted_at": "seen_at"}).assign(
        label=1, positive_tweet_id=kept["tweet_id"]
    )
    negative_rows = sample.triplets.rename(
        columns={
            "neg_tweet_id": "tweet_id",
            "retweeted_at": "seen_at",
            "pos_tweet_id": "positive_tweet_id",
        }
    ).assign(label=0)
    return (
        pd.concat(
            [positive_rows[CANDIDATE_COLUMNS], negative_rows[CANDIDATE_COLUMNS]], ignore_index=True
        )
        .sort_values(
            ["user_id", "label", "seen_at", "tweet_id"], ascending=[True, False, True, True]
        )
        .drop_duplicates(["user_id", "tweet_id"], keep="first")
        .reset_index(drop=True)
    )
