"""Everything a retweet-ranking model trains and is tested on, read from DuckDB once.

Users are indexed over all users read (sorted ids), tweets over the tweets that have
embeddings; triplets and test candidates become index arrays into those tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pop_pipeline.datasets.chronological_splits import train_cutoff
from pop_pipeline.scoring.ranking_input import amnl_text_vectors, ranking_input_frame
from pop_pipeline.storage.duckdb_store import DuckDBStore


@dataclass
class RankingData:
    train_fraction: float
    user_ids: list[str]  # user index -> id
    tweet_ids: list[str]  # feature row -> tweet id
    image: np.ndarray  # [n_tweets, d] unit image embeddings
    text: np.ndarray  # [n_tweets, d] max-pooled caption/context text vectors
    follow_source: np.ndarray  # user indices: source follows target
    follow_target: np.ndarray
    triplet_users: np.ndarray  # [T] user index of each training triplet
    triplet_pos: np.ndarray  # [T] feature row of the retweeted tweet
    triplet_neg: np.ndarray  # [T] feature row of the sampled negative
    train_retweets: pd.DataFrame  # user_id, tweet_id of the training split
    train_tweets: pd.DataFrame  # tweet_id, author_id of tweets posted up to the cutoff
    test: pd.DataFrame  # ranking input columns + label, seen_at, test feature row ``row``
    triplets_without_features: int  # triplets dropped because a tweet has no embedding

    @property
    def user_index(self) -> dict[str, int]:
        return {user: index for index, user in enumerate(self.user_ids)}


def load_ranking_data(store: DuckDBStore, train_fraction: float) -> RankingData:
    """Read users, follows, embeddings, triplets and test candidates for ``train_fraction``."""
    user_ids = list(store.query("SELECT user_id FROM raw_users ORDER BY user_id")["user_id"])
    users = {user: index for index, user in enumerate(user_ids)}
    embeddings = store.query(
        "SELECT tweet_id, image_embedding, caption_embedding, context_embedding "
        "FROM tweet_embeddings ORDER BY tweet_id"
    )
    tweet_ids = list(embeddings["tweet_id"])
    rows = {tweet: index for index, tweet in enumerate(tweet_ids)}
    image = np.stack(embeddings["image_embedding"].to_numpy()).astype(np.float32)
    text = amnl_text_vectors(
        np.stack(embeddings["caption_embedding"].to_numpy()),
        np.stack(embeddings["context_embedding"].to_numpy()),
    )
    follows = store.query("SELECT source_user_id, target_user_id FROM raw_follows")
    follows = follows[follows["source_user_id"].isin(users) & follows["target_user_id"].isin(users)]
    triplets = store.query(
        "SELECT user_id, pos_tweet_id, neg_tweet_id FROM followee_negative_triplets "
        "WHERE train_fraction = ? ORDER BY retweeted_at, user_id, pos_tweet_id, negative_rank",
        [train_fraction],
    )
    usable = triplets["pos_tweet_id"].isin(rows) & triplets["neg_tweet_id"].isin(rows)
    triplets = triplets[usable & triplets["user_id"].isin(users)]
    train_retweets = store.query(
        "SELECT user_id, tweet_id FROM retweet_splits WHERE train_fraction = ? AND split = 'train'",
        [train_fraction],
    )
    cutoff = train_cutoff(store, train_fraction).to_pydatetime()
    train_tweets = store.query(
        "SELECT tweet_id, author_id FROM image_tweets WHERE created_at <= ?", [cutoff]
    )
    test = store.query(
        """
        SELECT c.user_id, c.tweet_id, c.label, c.seen_at, t.author_id, t.created_at, t.text,
               t.comments, t.media_uri, t.author_followers_count
        FROM ranking_test_candidates c JOIN image_tweets t USING (tweet_id)
        WHERE c.train_fraction = ? ORDER BY c.user_id, c.tweet_id
        """,
        [train_fraction],
    )
    test = test[test["tweet_id"].isin(rows)].reset_index(drop=True)
    typed = ranking_input_frame(test)
    typed["label"] = test["label"].to_numpy()
    typed["seen_at"] = test["seen_at"].to_numpy()
    typed["row"] = test["tweet_id"].map(rows).to_numpy()
    return RankingData(
        train_fraction=train_fraction,
        user_ids=user_ids,
        tweet_ids=tweet_ids,
        image=image,
        text=text,
        follow_source=follows["source_user_id"].map(users).to_numpy(np.int64),
        follow_target=follows["target_user_id"].map(users).to_numpy(np.int64),
        triplet_users=triplets["user_id"].map(users).to_numpy(np.int64),
        triplet_pos=triplets["pos_tweet_id"].map(rows).to_numpy(np.int64),
        triplet_neg=triplets["neg_tweet_id"].map(rows).to_numpy(np.int64),
        train_retweets=train_retweets,
        train_tweets=train_tweets,
        test=typed,
        triplets_without_features=int((~usable).sum()),
    )
