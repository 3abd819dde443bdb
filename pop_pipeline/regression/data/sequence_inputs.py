"""DSN's window inputs (paper 004 §3.1): CLIP vectors and categories of the preceding posts.

Which posts precede a target is :mod:`pop_pipeline.regression.data.sequence_window`'s job;
this module gathers their features into the ``SEQUENCE_*`` tensors, the target last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.regression.data.feature_sources import MISSING_ROW, TweetEmbeddingTable
from pop_pipeline.regression.data.sequence_window import (
    PADDING_ROW,
    chronological_history,
    preceding_post_rows,
)
from pop_pipeline.regression.data.tweet_encoders import category_ids
from pop_pipeline.regression.data.vocabularies import RegressionVocabularies


def sequence_window(
    targets: pd.DataFrame,
    target_rows: np.ndarray,
    vocabularies: RegressionVocabularies,
    *,
    history: pd.DataFrame,
    embeddings: TweetEmbeddingTable,
    length: int,
) -> dict[str, torch.Tensor]:
    """The DSN window inputs: ``length − 1`` preceding posts of ``history``, then the target.

    Args:
        targets: regression tweet frame of the target posts.
        target_rows: each target's row in ``embeddings``.
        vocabularies: for the category ids.
        history: regression tweet frame of the posts a window may hold (any order).
        embeddings: CLIP vectors of the targets and the history posts.
        length: the window ``l``, the target included.

    History posts without a CLIP embedding cannot be represented and are not part of the
    history (as if they had not been posted). The history is sorted once per call: ``O(N log
    N)`` for ``N`` history posts, small next to the gathered tensors.
    """
    if length < 1:
        raise ValueError(f"the window holds at least the target, got length {length}")
    history = chronological_history(history)
    history_rows = embeddings.rows(list(history["tweet_id"]))
    history = history[history_rows != MISSING_ROW].reset_index(drop=True)
    preceding = preceding_post_rows(history, targets, length - 1)
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
        names.SEQUENCE_IMAGE_EMBEDDING: _gather(embeddings.image, window_rows),
        names.SEQUENCE_TEXT_EMBEDDING: _gather(embeddings.text, window_rows),
        names.SEQUENCE_CATEGORY_IDS: torch.from_numpy(window_categories.astype(np.int64)),
        names.SEQUENCE_MASK: torch.from_numpy(mask),
    }


def _gather(table: np.ndarray, rows: np.ndarray) -> torch.Tensor:
    """float32 ``[*rows.shape, D]``: ``table[rows]``, zeros where the row is missing."""
    out = np.zeros((*rows.shape, table.shape[1]), dtype=np.float32)
    present = rows != MISSING_ROW
    out[present] = table[rows[present]]
    return torch.from_numpy(out)
