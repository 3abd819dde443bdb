"""Where the regression inputs' CLIP features come from: stored tables, or freshly encoded.

Training reads what the embeddings stage stored: ``tweet_embeddings`` (unit CLIP image and
caption vectors, one DuckDB row per tweet) and ``tweet_patch_features`` (the index of the
patch-grid safetensors shards). New tweets at prediction time are encoded with the stored CLIP
(:mod:`pop_pipeline.regression.data.new_tweet_inputs`) into the same in-memory shapes, so
the feature assembly reads both kinds through one interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from pop_pipeline.ml.clip.feature_files import read_features
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.storage.embedding_tables import PATCH_INDEX_TABLE

MISSING_ROW = -1  # position of a tweet a table has no row for


@dataclass(frozen=True, eq=False)
class TweetEmbeddingTable:
    """CLIP image and caption embeddings of a set of tweets, row-aligned."""

    tweet_ids: tuple[str, ...]  # the tweet of each row, distinct
    image: np.ndarray  # float32 [N, Dc] unit image embeddings
    text: np.ndarray  # float32 [N, Dc] unit caption embeddings
    _rows: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = {tweet_id: row for row, tweet_id in enumerate(self.tweet_ids)}
        if len(rows) != len(self.tweet_ids):
            raise ValueError("embedding table lists a tweet id twice")
        if not len(self.image) == len(self.text) == len(self.tweet_ids):
            raise ValueError("embedding arrays and tweet ids differ in length")
        object.__setattr__(self, "_rows", rows)

    def rows(self, tweet_ids: Sequence[str]) -> np.ndarray:
        """int64 row of each tweet, :data:`MISSING_ROW` for tweets without embeddings."""
        return np.array(
            [self._rows.get(str(tweet_id), MISSING_ROW) for tweet_id in tweet_ids], dtype=np.int64
        )

    def with_rows_of(self, other: TweetEmbeddingTable) -> TweetEmbeddingTable:
        """This table plus ``other``'s tweets; where both hold a tweet, ``other``'s row wins."""
        keep = [row for row, tweet_id in enumerate(self.tweet_ids) if tweet_id not in other._rows]
        return TweetEmbeddingTable(
            tweet_ids=tuple(self.tweet_ids[row] for row in keep) + other.tweet_ids,
            image=np.concatenate([self.image[keep], other.image]).astype(np.float32),
            text=np.concatenate([self.text[keep], other.text]).astype(np.float32),
        )

    @classmethod
    def from_store(cls, store: DuckDBStore) -> TweetEmbeddingTable:
        """Every stored tweet's image and caption embedding (``tweet_embeddings``)."""
        frame = store.query(
            "SELECT tweet_id, image_embedding, caption_embedding FROM tweet_embeddings "
            "ORDER BY tweet_id"
        )
        return cls(
            tweet_ids=tuple(frame["tweet_id"].astype(str)),
            image=_matrix(frame["image_embedding"]),
            text=_matrix(frame["caption_embedding"]),
        )


def _matrix(column: pd.Series) -> np.ndarray:
    if column.empty:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack(column.to_numpy()).astype(np.float32)


class PatchFeatureSource(Protocol):
    """CLIP patch-grid region features of tweets (UHAN's regions, paper 002 §3.1)."""

    def available(self, tweet_ids: Sequence[str]) -> np.ndarray:
        """Boolean ``[len(tweet_ids)]``: which tweets have patch features."""
        ...

    def read(self, tweet_ids: Sequence[str]) -> np.ndarray:
        """float32 ``[len(tweet_ids), R, Dv]`` of available tweets, in the given order."""
        ...


@dataclass(frozen=True, eq=False)
class StoredPatchFeatures:
    """Patch grids read from the safetensors shards listed in ``tweet_patch_features``."""

    index: pd.DataFrame  # tweet_id, shard_path, row (the stored shard index)

    @classmethod
    def from_store(cls, store: DuckDBStore) -> StoredPatchFeatures:
        index = store.query(f"SELECT tweet_id, shard_path, row FROM {PATCH_INDEX_TABLE}")
        return cls(index=index.assign(tweet_id=index["tweet_id"].astype(str)))

    def available(self, tweet_ids: Sequence[str]) -> np.ndarray:
        return pd.Index([str(t) for t in tweet_ids]).isin(self.index["tweet_id"])

    def read(self, tweet_ids: Sequence[str]) -> np.ndarray:
        patches = read_features(self.index, [str(t) for t in tweet_ids], names=["patches"])
        return np.asarray(patches["patches"], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class InMemoryPatchFeatures:
    """Patch grids held in memory (new tweets encoded at prediction time)."""

    tweet_ids: tuple[str, ...]  # the tweet of each row
    patches: np.ndarray  # float32 [N, R, Dv]

    def available(self, tweet_ids: Sequence[str]) -> np.ndarray:
        return pd.Index([str(t) for t in tweet_ids]).isin(list(self.tweet_ids))

    def read(self, tweet_ids: Sequence[str]) -> np.ndarray:
        rows = {tweet_id: row for row, tweet_id in enumerate(self.tweet_ids)}
        return self.patches[[rows[str(t)] for t in tweet_ids]].astype(np.float32)
