"""Everything a retweet-ranking model trains and is tested on, read from DuckDB once.

Users are indexed over all users read (sorted ids), tweets over the tweets that have
embeddings; triplets and test candidates become index arrays into those tables.

Two protocols define what "training" and "test" mean (docs/DECISIONS.md):

- ``amnl`` (paper 000 §III-A): the chronological split at ``train_fraction`` of
  ``retweet_splits``, training triplets from ``followee_negative_triplets`` and test candidates
  from ``ranking_test_candidates``, one slice per training fraction;
- ``dsempre`` (paper 003 §4.1): each user's most recent actions are the test
  (``recent_action_splits``), training triplets from ``time_aware_negative_triplets`` and test
  candidates from ``dsempre_test_candidates``. ``train_fraction`` is the split's share of
  training actions (1 − its test fraction), recorded for the metrics table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pop_pipeline.ranking.data.chronological_splits import train_cutoff
from pop_pipeline.ranking.model_input import amnl_text_vectors, ranking_input_frame
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, PROTOCOL_TABLES, PROTOCOLS
from pop_pipeline.storage.duckdb_store import DuckDBStore

SAMPLER_TABLE = "triplet_samplers"  # protocol, train_fraction, split, params (JSON)


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
    train_tweets: pd.DataFrame  # tweet_id, author_id of tweets a popularity prior may know
    test: pd.DataFrame  # ranking input columns + label, seen_at, test feature row ``row``
    triplets_without_features: int  # triplets dropped because a tweet has no embedding
    protocol: str = AMNL_PROTOCOL
    sampler_params: dict[str, object] = field(default_factory=dict)  # training triplets' sampler
    test_sampler_params: dict[str, object] = field(default_factory=dict)  # test candidates'

    @property
    def user_index(self) -> dict[str, int]:
        return {user: index for index, user in enumerate(self.user_ids)}


def record_sampler(
    store: DuckDBStore,
    *,
    protocol: str,
    split: str,
    params_by_fraction: dict[float, dict[str, object]],
) -> None:
    """Remember which sampler (``NegativeSampler.params()``) drew a protocol's triplets."""
    frame = pd.DataFrame(
        [
            {
                "protocol": protocol,
                "train_fraction": float(fraction),
                "split": split,
                "params": json.dumps(params, sort_keys=True),
            }
            for fraction, params in params_by_fraction.items()
        ]
    )
    store.replace_rows(SAMPLER_TABLE, frame, where={"protocol": protocol, "split": split})


def _sampler_params(store: DuckDBStore, protocol: str, fraction: float, split: str) -> dict:
    if not store.has_table(SAMPLER_TABLE):
        return {}
    found = store.query(
        f"SELECT params FROM {SAMPLER_TABLE} WHERE protocol = ? AND split = ? "
        "AND train_fraction = ?",
        [protocol, split, fraction],
    )
    return json.loads(found.iloc[0, 0]) if len(found) else {}


def dsempre_train_fraction(store: DuckDBStore) -> float:
    """The D-Sempre split's share of training actions (what its metrics rows record)."""
    return float(
        store.query("SELECT any_value(train_fraction) FROM recent_action_splits").iloc[0, 0]
    )


def load_ranking_data(
    store: DuckDBStore, train_fraction: float, protocol: str = AMNL_PROTOCOL
) -> RankingData:
    """Read users, follows, embeddings, triplets and test candidates of one protocol's split.

    For ``dsempre`` pass :func:`dsempre_train_fraction` (the split has a single slice).
    """
    if protocol not in PROTOCOL_TABLES:
        raise ValueError(f"unknown protocol {protocol!r}; known: {PROTOCOLS}")
    tables = PROTOCOL_TABLES[protocol]
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
    slice_filter = "WHERE train_fraction = ?" if protocol == AMNL_PROTOCOL else ""
    slice_params = [train_fraction] if protocol == AMNL_PROTOCOL else []
    triplets = store.query(
        f"SELECT user_id, pos_tweet_id, neg_tweet_id FROM {tables.triplets} {slice_filter} "
        "ORDER BY retweeted_at, user_id, pos_tweet_id, negative_rank",
        slice_params,
    )
    usable = triplets["pos_tweet_id"].isin(rows) & triplets["neg_tweet_id"].isin(rows)
    triplets = triplets[usable & triplets["user_id"].isin(users)]
    if protocol == AMNL_PROTOCOL:
        train_retweets = store.query(
            "SELECT user_id, tweet_id FROM retweet_splits WHERE train_fraction = ? "
            "AND split = 'train'",
            [train_fraction],
        )
        cutoff = train_cutoff(store, train_fraction).to_pydatetime()
        train_tweets = store.query(
            "SELECT tweet_id, author_id FROM image_tweets WHERE created_at <= ?", [cutoff]
        )
    else:  # per-user split: no global cutoff, every tweet may have training retweets
        train_retweets = store.query(
            "SELECT user_id, tweet_id FROM recent_action_splits WHERE split = 'train'"
        )
        train_tweets = store.query("SELECT tweet_id, author_id FROM image_tweets")
    test = store.query(
        f"""
        SELECT c.user_id, c.tweet_id, c.label, c.seen_at, t.author_id, t.created_at, t.text,
               t.comments, t.media_uri, t.author_followers_count
        FROM {tables.candidates} c JOIN image_tweets t USING (tweet_id)
        {slice_filter.replace("train_fraction", "c.train_fraction")}
        ORDER BY c.user_id, c.tweet_id
        """,
        slice_params,
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
        protocol=protocol,
        sampler_params=_sampler_params(store, protocol, train_fraction, "train"),
        test_sampler_params=_sampler_params(store, protocol, train_fraction, "test"),
    )
