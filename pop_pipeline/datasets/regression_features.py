"""Regression batches: the inputs of :mod:`pop_pipeline.ml.models.regression_inputs` for tweets.

:func:`build_regression_inputs` turns a tweet frame (:mod:`pop_pipeline.datasets.regression_tweets`)
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

from pop_pipeline.datasets.regression_feature_sources import (
    MISSING_ROW,
    PatchFeatureSource,
    TweetEmbeddingTable,
)
from pop_pipeline.datasets.regression_sequence_window import (
    PADDING_ROW,
    chronological_history,
    preceding_post_rows,
)
from pop_pipeline.datasets.regression_vocabularies import (
    CATEGORY_LEVELS,
    RegressionVocabularies,
    caption_words,
)
from pop_pipeline.io.images import ImageDecodeError
from pop_pipeline.ml.clip.encoding import load_image_tensor
from pop_pipeline.ml.models import regression_inputs as names

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
    sequence_length: int = 16  # DSN's window l (paper 004 §4.3), the target included
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
    unknown = wanted - _KNOWN_INPUTS
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
        pixels, failures = _load_pixels(frame, loaded_rows, config.image_size)
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
        assert sources.embeddings is not None
        tensors.update(sequence_window(kept, embedding_rows[keep], vocabularies, sources, config))
    quarantine = pd.DataFrame(excluded, columns=list(QUARANTINE_COLUMNS))
    return RegressionInputs(
        tweet_ids=list(kept["tweet_id"]),
        tensors={name: tensors[name] for name in required},
        quarantine=quarantine,
    )


_KNOWN_INPUTS = frozenset(
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


def _load_pixels(
    frame: pd.DataFrame, rows: np.ndarray, size: int
) -> tuple[np.ndarray, list[tuple[int, ImageDecodeError]]]:
    """Pixels of ``rows`` (``[len(rows), 3, size, size]``, zeros where an image failed) and
    the ``(row, error)`` of the images that could not be read."""
    pixels = np.zeros((len(rows), 3, size, size), dtype=np.float32)
    failures: list[tuple[int, ImageDecodeError]] = []
    for position, row in enumerate(rows):
        try:
            pixels[position] = image_pixels(str(frame["media_uri"].iloc[row]), size)
        except ImageDecodeError as error:
            failures.append((int(row), error))
    return pixels, failures


def image_pixels(uri: str, size: int = 64) -> np.ndarray:
    """float32 ``[3, size, size]`` in [0, 1]: the image resized (bilinear, aspect ignored, as
    paper 001 resizes to 64×64). Raises ``ImageDecodeError`` with a reason code."""
    return load_image_tensor(uri, lambda image: _resized(image, size)).numpy()


def _resized(image: object, size: int) -> torch.Tensor:
    from PIL import Image

    assert isinstance(image, Image.Image)
    resized = image.resize((size, size), Image.Resampling.BILINEAR)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def side_features(tweets: pd.DataFrame) -> torch.Tensor:
    """float32 ``[N, 2]``: log1p(author followers), log1p(hours elapsed) (paper 001 §3.2)."""
    followers = tweets["author_followers_count"].astype(float).fillna(0.0).to_numpy()
    hours = tweets["hours_elapsed"].astype(float).clip(lower=0.0).to_numpy()
    return torch.from_numpy(np.column_stack([np.log1p(followers), np.log1p(hours)]).astype("f4"))


def caption_word_ids(
    texts: pd.Series, vocabularies: RegressionVocabularies, max_words: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ids, mask)``, long and bool ``[N, max_words]``: each caption's first ``max_words``
    words, right-padded. A word outside the vocabulary keeps its place with id 0 and mask
    ``True``; only padding is masked. A caption with no word gets one unknown word, so every
    row has at least one unmasked position (no empty sequence reaches an LSTM or a softmax).
    """
    ids = torch.zeros((len(texts), max_words), dtype=torch.long)
    mask = torch.zeros((len(texts), max_words), dtype=torch.bool)
    for row, text in enumerate(texts):
        words = vocabularies.words.ids(caption_words(text)[:max_words])
        ids[row, : len(words)] = torch.tensor(words, dtype=torch.long)
        mask[row, : max(1, len(words))] = True
    return ids, mask


def category_ids(tweets: pd.DataFrame, vocabularies: RegressionVocabularies) -> torch.Tensor:
    """long ``[N, 3]``: category, subcategory and concept ids (0: unknown)."""
    columns = [
        vocabulary.ids(list(tweets[level]))
        for level, vocabulary in zip(CATEGORY_LEVELS, vocabularies.categories, strict=True)
    ]
    return torch.from_numpy(np.array(columns, dtype=np.int64).reshape(3, -1).T.copy())


def sequence_window(
    targets: pd.DataFrame,
    target_rows: np.ndarray,
    vocabularies: RegressionVocabularies,
    sources: FeatureSources,
    config: RegressionFeatureConfig,
) -> dict[str, torch.Tensor]:
    """The DSN window inputs: ``l − 1`` preceding posts of the history, then the target.

    History posts without a CLIP embedding cannot be represented and are not part of the
    history (as if they had not been posted).
    """
    if sources.history is None or sources.embeddings is None:
        raise ValueError("the DSN window needs sources.history and sources.embeddings")
    history = chronological_history(sources.history)
    history_rows = sources.embeddings.rows(list(history["tweet_id"]))
    history = history[history_rows != MISSING_ROW].reset_index(drop=True)
    preceding = preceding_post_rows(history, targets, config.sequence_length - 1)
    # a padding slot (row -1) indexes the extra last entry: no embedding, category ids 0
    padded_rows = np.append(history_rows[history_rows != MISSING_ROW], MISSING_ROW)
    padded_categories = np.concatenate(
        [category_ids(history, vocabularies).numpy(), np.zeros((1, 3), dtype=np.int64)]
    )
    window_rows = np.concatenate([padded_rows[preceding], target_rows[:, None]], axis=1)
    window_categories = np.concatenate(
        [padded_categories[preceding], category_ids(targets, vocabularies).numpy()[:, None]],
        axis=1,
    )
    mask = np.concatenate(
        [preceding != PADDING_ROW, np.ones((len(targets), 1), dtype=bool)], axis=1
    )
    return {
        names.SEQUENCE_IMAGE_EMBEDDING: _gather(sources.embeddings.image, window_rows),
        names.SEQUENCE_TEXT_EMBEDDING: _gather(sources.embeddings.text, window_rows),
        names.SEQUENCE_CATEGORY_IDS: torch.from_numpy(window_categories.astype(np.int64)),
        names.SEQUENCE_MASK: torch.from_numpy(mask),
    }


def _gather(table: np.ndarray, rows: np.ndarray) -> torch.Tensor:
    """float32 ``[*rows.shape, D]``: ``table[rows]``, zeros where the row is missing."""
    out = np.zeros((*rows.shape, table.shape[1]), dtype=np.float32)
    present = rows != MISSING_ROW
    out[present] = table[rows[present]]
    return torch.from_numpy(out)
