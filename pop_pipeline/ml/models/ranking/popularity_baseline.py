"""Popularity baseline: rank tweets by how often they were retweeted in training.

The "popularity / historical average" row of the ranking tables (DESIGN.md). Not personalised:
every user gets the same ordering. No training loop.

Scoring rule, in order:

1. a tweet with at least one training retweet scores its number of distinct training
   retweeters;
2. otherwise (cold tweet, or a training tweet nobody retweeted) it scores its author's mean
   training retweets per tweet: the author's training retweets divided by the author's tweets in
   the ``tweets`` frame given to :meth:`PopularityRanker.fit` (zero-retweet tweets included);
3. otherwise (author unknown too) it scores the global mean training retweets per tweet.

The fall-back score is not forced below retweeted tweets: a fresh tweet of an author averaging
3.5 retweets per tweet outranks a tweet retweeted once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd

SERIALIZATION_KIND = "popularity"
SERIALIZATION_VERSION = 1


@dataclass
class PopularityRanker:
    """Popularity baseline with an author fall-back; see the module docstring."""

    tweet_retweets: dict[str, int] = field(default_factory=dict)  # tweet → distinct retweeters
    author_mean_retweets: dict[str, float] = field(default_factory=dict)  # author → mean per tweet
    global_mean_retweets: float = 0.0  # training retweets per tweet, over all fitted tweets

    def fit(self, train_retweets: pd.DataFrame, tweets: pd.DataFrame) -> Self:
        """Count training retweets.

        Args:
            train_retweets: columns ``user_id``, ``tweet_id`` (one row per retweet; repeated
                ``(user_id, tweet_id)`` pairs count once).
            tweets: columns ``tweet_id``, ``author_id``; the tweets whose authors' means are
                computed (normally the tweets posted in the training period).
        """
        retweets = train_retweets[["user_id", "tweet_id"]].astype(str).drop_duplicates()
        counts = retweets.groupby("tweet_id").size()
        authored = tweets[["tweet_id", "author_id"]].astype(str).drop_duplicates("tweet_id")
        authored = authored.assign(retweets=authored["tweet_id"].map(counts).fillna(0))
        author_means = authored.groupby("author_id")["retweets"].mean()
        self.tweet_retweets = {str(k): int(v) for k, v in counts.items()}
        self.author_mean_retweets = {str(k): float(v) for k, v in author_means.items()}
        self.global_mean_retweets = float(authored["retweets"].mean()) if len(authored) else 0.0
        return self

    def score(
        self, tweet_ids: Sequence[str] | pd.Series, author_ids: Sequence[str] | pd.Series
    ) -> np.ndarray:
        """Scores (float64) for tweets given with their authors; same length as the inputs."""
        tweet_ids = pd.Series(np.asarray(tweet_ids, dtype=object)).astype(str)
        author_ids = pd.Series(np.asarray(author_ids, dtype=object)).astype(str)
        if len(tweet_ids) != len(author_ids):
            raise ValueError("tweet_ids and author_ids must have the same length")
        by_tweet = tweet_ids.map(self.tweet_retweets).astype(float)
        by_author = author_ids.map(self.author_mean_retweets).astype(float)
        scores = by_tweet.where(by_tweet > 0, by_author).fillna(self.global_mean_retweets)
        return scores.to_numpy(dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible state."""
        return {
            "kind": SERIALIZATION_KIND,
            "version": SERIALIZATION_VERSION,
            "tweet_retweets": dict(self.tweet_retweets),
            "author_mean_retweets": dict(self.author_mean_retweets),
            "global_mean_retweets": self.global_mean_retweets,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any]) -> PopularityRanker:
        if state.get("kind") != SERIALIZATION_KIND or state.get("version") != SERIALIZATION_VERSION:
            raise ValueError(
                f"not a v{SERIALIZATION_VERSION} popularity state: {state.get('kind')!r}"
            )
        return cls(
            tweet_retweets={str(k): int(v) for k, v in state["tweet_retweets"].items()},
            author_mean_retweets={
                str(k): float(v) for k, v in state["author_mean_retweets"].items()
            },
            global_mean_retweets=float(state["global_mean_retweets"]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PopularityRanker:
        return cls.from_dict(json.loads(text))
