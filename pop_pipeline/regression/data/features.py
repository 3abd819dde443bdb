"""Regression batches: the inputs of :mod:`pop_pipeline.ml.models.regression.regression_inputs` for
tweets.

:func:`build_regression_inputs` turns a tweet frame (:mod:`pop_pipeline.regression.data.tweets`)
and the fitted vocabularies into the named tensors a model's ``required_inputs`` asks for, and
only those, so a model that reads CLIP vectors never decodes an image.

A tweet whose image cannot be read, or that lacks a stored feature an input needs, is left out
of the tensors and listed in the returned ``quarantine`` frame with a reason code — never an
exception, never a silent drop. ``tweet_ids`` gives the tweet of each tensor row.

Memory: per tweet the pixels take 3·64·64 floats (48 KiB), the patch grid R·Dv floats and the
DSN window 2·l·Dc floats. The ``demo`` world (~3,000 tweets) fits in a few hundred MB at once;
for bigger worlds call this per batch of tweets (the DSN history stays whole: it is only ids
and times, the window's features are gathered per call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from pop_pipeline.ml.config_defaults import field_default
from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.ml.models.regression.dsn import DSNConfig
from pop_pipeline.regression.data.feature_sources import (
    MISSING_ROW,
    PatchFeatureSource,
    TweetEmbeddingTable,
)
from pop_pipeline.regression.data.pixels import load_pixels
from pop_pipeline.regression.data.sequence_inputs import sequence_window
from pop_pipeline.regression.data.tweet_encoders import (
    caption_word_ids,
    category_ids,
    side_features,
)
from pop_pipeline.regression.data.vocabularies import RegressionVocabularies

QUARANTINE_COLUMNS = ("tweet_id", "media_uri", "reason", "message")
EMBEDDING_MISSING = "embedding_missing"  # no stored CLIP embedding (its image failed to encode)
PATCH_FEATURES_MISSING = "patch_features_missing"  # no stored patch grid
EMBEDDING_INPUTS = frozenset(
    {
        names.IMAGE_EMBEDDING,
        names.TEXT_EMBEDDING,
        names.SEQUENCE_IMAGE_EMBEDDING,
        names.SEQUENCE_TEXT_EMBEDDING,
    }
)
# inputs that need the CLIP encoder when a new tweet is scored
CLIP_INPUTS = EMBEDDING_INPUTS | {names.PATCH_FEATURES}
SEQUENCE_INPUTS = frozenset(
    {
        names.SEQUENCE_IMAGE_EMBEDDING,
        names.SEQUENCE_TEXT_EMBEDDING,
        names.SEQUENCE_CATEGORY_IDS,
        names.SEQUENCE_MASK,
    }
)


@dataclass(frozen=True)
class RegressionFeatureConfig:
    max_words: int = 24  # caption words kept (WORD_IDS length T); longer captions are cut
    # DSN's window l, the target included: DSNConfig's default; the DSN fit sets its model's
    sequence_length: int = field_default(DSNConfig, "sequence_length")
    image_size: int = 64  # paper 001 §3.2: raw pixels resized to 64×64


@dataclass(frozen=True, eq=False)
class FeatureSources:
    """Stored (or freshly encoded) features the inputs are gathered from."""

    embeddings: TweetEmbeddingTable | None = None  # image/text embeddings, targets and history
    patches: PatchFeatureSource | None = None  # patch grids of the targets
    history: pd.DataFrame | None = None  # posts the DSN window draws from (regression tweets)


@dataclass(eq=False)
class RegressionInputs:
    tweet_ids: list[str]  # the tweet of each tensor row
    tensors: dict[str, torch.Tensor]  # exactly the required inputs
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    )  # tweets left out, with reason codes


def build_regression_inputs(
    tweets: pd.DataFrame,
    vocabularies: RegressionVocabularies,
    required: Sequence[str],
    sources: FeatureSources,
    config: RegressionFeatureConfig | None = None,
) -> RegressionInputs:
    """The ``required`` regression inputs of ``tweets`` (rows in the frame's order).

    Args:
        tweets: regression tweet frame (columns of ``REGRESSION_TWEET_COLUMNS``).
        vocabularies: fitted on the training rows.
        required: input names, e.g. a model class's ``required_inputs``.
        sources: ``embeddings`` for the CLIP vectors and the DSN window, ``patches`` for
            ``PATCH_FEATURES``, ``history`` for the DSN window.
        config: lengths and sizes.

    Raises:
        ValueError: an unknown input name, or a source the inputs need is missing.
    """
    config = config or RegressionFeatureConfig()
    wanted = set(required)
    unknown = wanted - ALL_INPUTS
    if unknown:
        raise ValueError(f"unknown regression inputs {sorted(unknown)}")
    frame = tweets.assign(tweet_id=tweets["tweet_id"].astype(str)).reset_index(drop=True)
    excluded: list[dict[str, object]] = []
    keep = np.ones(len(frame), dtype=bool)

    def exclude(mask: np.ndarray, reason: str, message: str) -> None:
        for row in np.flatnonzero(mask & keep):
            excluded.append(_quarantine_row(frame.iloc[row], reason, message))
        keep[mask] = False

    embedding_rows = np.full(len(frame), MISSING_ROW, dtype=np.int64)
    if wanted & EMBEDDING_INPUTS:
        if sources.embeddings is None:
            raise ValueError("CLIP embedding inputs need sources.embeddings")
        embedding_rows = sources.embeddings.rows(list(frame["tweet_id"]))
        exclude(embedding_rows == MISSING_ROW, EMBEDDING_MISSING, "no CLIP embedding stored")
    if names.PATCH_FEATURES in wanted:
        if sources.patches is None:
            raise ValueError("PATCH_FEATURES needs sources.patches")
        available = sources.patches.available(list(frame["tweet_id"]))
        exclude(~available, PATCH_FEATURES_MISSING, "no CLIP patch grid stored")
    pixels = None
    if names.PIXELS in wanted:
        loaded_rows = np.flatnonzero(keep)
        pixels, failures = load_pixels(frame, loaded_rows, config.image_size)
        for row, error in failures:
            excluded.append(_quarantine_row(frame.iloc[row], error.reason, str(error)))
            keep[row] = False
        pixels = pixels[keep[loaded_rows]]

    kept = frame[keep].reset_index(drop=True)
    tensors: dict[str, torch.Tensor] = {}
    if pixels is not None:
        tensors[names.PIXELS] = torch.from_numpy(pixels)
    if names.SIDE_FEATURES in wanted:
        tensors[names.SIDE_FEATURES] = side_features(kept)
    if names.PATCH_FEATURES in wanted:
        assert sources.patches is not None
        tensors[names.PATCH_FEATURES] = torch.from_numpy(
            sources.patches.read(list(kept["tweet_id"]))
        )
    if wanted & {names.WORD_IDS, names.WORD_MASK}:
        word_ids, word_mask = caption_word_ids(kept["text"], vocabularies, config.max_words)
        tensors[names.WORD_IDS] = word_ids
        tensors[names.WORD_MASK] = word_mask
    if names.USER_INDEX in wanted:
        users = vocabularies.users.ids(list(kept["author_id"].astype(str)))
        tensors[names.USER_INDEX] = torch.tensor(users, dtype=torch.long).reshape(-1)
    if wanted & {names.IMAGE_EMBEDDING, names.TEXT_EMBEDDING}:
        assert sources.embeddings is not None
        rows = embedding_rows[keep]
        tensors[names.IMAGE_EMBEDDING] = torch.from_numpy(sources.embeddings.image[rows])
        tensors[names.TEXT_EMBEDDING] = torch.from_numpy(sources.embeddings.text[rows])
    if names.CATEGORY_IDS in wanted:
        tensors[names.CATEGORY_IDS] = category_ids(kept, vocabularies)
    if names.USER_FEATURES in wanted:
        tensors[names.USER_FEATURES] = torch.from_numpy(vocabularies.user_scaler.transform(kept))
    if wanted & SEQUENCE_INPUTS:
        if sources.history is None or sources.embeddings is None:
            raise ValueError("the DSN window needs sources.history and sources.embeddings")
        window = sequence_window(
            kept,
            embedding_rows[keep],
            vocabularies,
            history=sources.history,
            embeddings=sources.embeddings,
            length=config.sequence_length,
        )
        tensors.update(window)
    quarantine = pd.DataFrame(excluded, columns=list(QUARANTINE_COLUMNS))
    return RegressionInputs(
        tweet_ids=list(kept["tweet_id"]),
        tensors={name: tensors[name] for name in required},
        quarantine=quarantine,
    )


ALL_INPUTS = frozenset(
    {
        names.PIXELS,
        names.SIDE_FEATURES,
        names.PATCH_FEATURES,
        names.WORD_IDS,
        names.WORD_MASK,
        names.USER_INDEX,
        names.IMAGE_EMBEDDING,
        names.TEXT_EMBEDDING,
        names.CATEGORY_IDS,
        names.USER_FEATURES,
        *SEQUENCE_INPUTS,
    }
)


def _quarantine_row(tweet: pd.Series, reason: str, message: str) -> dict[str, object]:
    return {
        "tweet_id": str(tweet["tweet_id"]),
        "media_uri": str(tweet.get("media_uri", "")),
        "reason": reason,
        "message": message,
    }
