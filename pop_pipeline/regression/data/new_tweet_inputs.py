"""Regression inputs of new raw tweets at prediction time, built the way training builds them.

``pop predict`` reads raw tweets (:mod:`pop_pipeline.scoring.prediction_input`: id, author,
caption, photo URI, posting time, the author's follower count). This module turns them into the
same regression tensors as training's
:func:`~pop_pipeline.regression.data.features.build_regression_inputs`:

- the author's counts and account age come from the stored ``raw_users`` row when the author
  is known; an unseen author keeps the input's follower count, the other numbers are unknown
  (z-score 0) and the user index is 0;
- hours elapsed are counted from posting to ``observed_at`` (the moment the popularity is
  predicted for), as training counts them from posting to collection;
- CLIP vectors and patch grids are encoded with the stored CLIP, by the same functions the
  ranking models' serving uses (:func:`~pop_pipeline.ml.clip.encoding.encode_images`,
  :func:`~pop_pipeline.ml.clip.encoding.encode_texts`,
  :func:`~pop_pipeline.ml.clip.patch_features.encode_image_patches`);
- DSN's window takes the stored posts published before each new tweet, with their stored
  embeddings;
- the three category levels are read from ``category``/``subcategory``/``concept`` columns
  when the input has them (0: unknown otherwise).

A photo that cannot be read becomes a quarantine row (reason code), as in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from pop_pipeline.ml.clip.encoding import encode_images, encode_texts
from pop_pipeline.ml.clip.factory import ClipBundle
from pop_pipeline.ml.clip.patch_features import encode_image_patches
from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.regression.data.feature_sources import (
    InMemoryPatchFeatures,
    TweetEmbeddingTable,
)
from pop_pipeline.regression.data.features import (
    EMBEDDING_INPUTS,
    QUARANTINE_COLUMNS,
    FeatureSources,
    RegressionFeatureConfig,
    RegressionInputs,
    build_regression_inputs,
)
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS, load_regression_tweets
from pop_pipeline.regression.data.vocabularies import CATEGORY_LEVELS, RegressionVocabularies
from pop_pipeline.storage.duckdb_store import DuckDBStore

USER_COLUMNS = ("followers_count", "following_count", "tweet_count", "listed_count")


@dataclass(frozen=True, eq=False)
class StoredRegressionHistory:
    """What prediction looks up in the stored lineage."""

    tweets: pd.DataFrame  # regression tweet frame of the stored tweets (DSN's history)
    users: pd.DataFrame  # raw_users: user_id, the USER_COLUMNS counts, created_at
    embeddings: TweetEmbeddingTable  # stored image and caption embeddings

    @classmethod
    def from_store(
        cls,
        store: DuckDBStore,
        *,
        tweets: pd.DataFrame | None = None,
        embeddings: TweetEmbeddingTable | None = None,
    ) -> StoredRegressionHistory:
        """The stored history; ``tweets`` (``load_regression_tweets``) and ``embeddings`` a
        caller has already read are used instead of reading them again."""
        users = store.query(
            f"SELECT user_id, {', '.join(USER_COLUMNS)}, created_at FROM raw_users ORDER BY user_id"
        )
        return cls(
            tweets=tweets if tweets is not None else load_regression_tweets(store),
            users=users,
            embeddings=embeddings
            if embeddings is not None
            else TweetEmbeddingTable.from_store(store),
        )


def naive_utc(value: object) -> pd.Timestamp:
    """A timestamp (ISO string, datetime; naive = UTC) as a naive UTC ``pd.Timestamp``."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp


def new_tweet_frame(
    prediction_tweets: pd.DataFrame, users: pd.DataFrame, observed_at: datetime
) -> pd.DataFrame:
    """The regression tweet frame (``REGRESSION_TWEET_COLUMNS``) of prediction-input rows.

    Args:
        prediction_tweets: ``tweet_id``, ``author_id``, ``created_at``, ``text``,
            ``media_uri``, ``author_followers_count``, optionally the category levels.
        users: stored users (``user_id``, the ``USER_COLUMNS`` counts, ``created_at``).
        observed_at: when the prediction is made (hours elapsed end there; naive = UTC).
    """
    frame = prediction_tweets.assign(
        tweet_id=prediction_tweets["tweet_id"].astype(str),
        author_id=prediction_tweets["author_id"].astype(str),
        created_at=pd.to_datetime(prediction_tweets["created_at"].map(naive_utc)),
    ).reset_index(drop=True)
    hours = (naive_utc(observed_at) - frame["created_at"]).dt.total_seconds() / 3600.0
    frame["hours_elapsed"] = hours.clip(lower=0.0)
    for level in CATEGORY_LEVELS:
        if level not in frame.columns:
            frame[level] = None
    stored = users.assign(user_id=users["user_id"].astype(str)).set_index("user_id")
    known = frame["author_id"].isin(stored.index)
    input_followers = frame["author_followers_count"].astype(float)
    stored_followers = frame["author_id"].map(stored["followers_count"]).astype(float)
    frame["author_followers_count"] = stored_followers.where(known, input_followers)
    for column in USER_COLUMNS[1:]:
        frame[f"author_{column}"] = frame["author_id"].map(stored[column]).astype(float)
    frame["author_created_at"] = frame["author_id"].map(stored["created_at"])
    frame["author_created_at"] = pd.to_datetime(frame["author_created_at"])
    return frame[list(REGRESSION_TWEET_COLUMNS)]


def new_tweet_regression_inputs(
    prediction_tweets: pd.DataFrame,
    *,
    history: StoredRegressionHistory,
    vocabularies: RegressionVocabularies,
    clip: ClipBundle | None,
    required: Sequence[str],
    observed_at: datetime,
    config: RegressionFeatureConfig | None = None,
) -> RegressionInputs:
    """The ``required`` regression inputs of new raw tweets.

    Args:
        prediction_tweets: rows of ``read_prediction_input(...).tweets`` (or any frame with
            those columns), optionally with ``category``/``subcategory``/``concept``.
        history: the stored tweets, users and embeddings.
        vocabularies: the registered model's vocabularies.
        clip: the stored CLIP the features were made with; needed for CLIP inputs only.
        required: input names, e.g. the model class's ``required_inputs``.
        observed_at: when the prediction is made.
        config: lengths and sizes (the model's training values).
    """
    frame = new_tweet_frame(prediction_tweets, history.users, observed_at)
    wanted = set(required)
    quarantined: list[pd.DataFrame] = []
    embeddings: TweetEmbeddingTable | None = None
    patches: InMemoryPatchFeatures | None = None
    if wanted & (EMBEDDING_INPUTS | {names.PATCH_FEATURES}):
        if clip is None:
            raise ValueError("CLIP inputs of new tweets need the stored CLIP model")
        uris = list(frame["media_uri"].astype(str))
        if names.PATCH_FEATURES in wanted:
            grids = encode_image_patches(clip, uris)
            image, failed, ok = grids.pooled, grids.failed, grids.ok
            patches = InMemoryPatchFeatures(
                tweet_ids=tuple(frame["tweet_id"][ok]), patches=grids.patches[ok]
            )
        else:
            encoded = encode_images(clip, uris)
            image, failed, ok = encoded.embeddings, encoded.failed, encoded.ok
        quarantined.append(_failures(frame, failed))
        frame = frame[ok].reset_index(drop=True)
        new = TweetEmbeddingTable(
            tweet_ids=tuple(frame["tweet_id"]),
            image=image[ok].astype(np.float32),
            text=encode_texts(clip, list(frame["text"].astype(str))).astype(np.float32),
        )
        embeddings = history.embeddings.with_rows_of(new)
    built = build_regression_inputs(
        frame,
        vocabularies,
        required,
        FeatureSources(embeddings=embeddings, patches=patches, history=history.tweets),
        config,
    )
    parts = [part for part in [*quarantined, built.quarantine] if len(part)]
    if parts:
        built.quarantine = pd.concat(parts, ignore_index=True)
    return built


def _failures(frame: pd.DataFrame, failed: list[tuple[int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "tweet_id": frame["tweet_id"].iloc[row],
                "media_uri": frame["media_uri"].iloc[row],
                "reason": reason,
                "message": "the photo could not be read for CLIP encoding",
            }
            for row, reason in failed
        ],
        columns=list(QUARANTINE_COLUMNS),
    )
