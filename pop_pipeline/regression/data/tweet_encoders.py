"""Regression inputs computed from the tweet frame and the vocabularies alone (no stored files).

``SIDE_FEATURES`` (paper 001 §3.2), ``WORD_IDS``/``WORD_MASK`` (UHAN's caption words, paper 002
§3.2) and ``CATEGORY_IDS`` (DSN's three category levels, paper 004 §3.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from pop_pipeline.regression.data.vocabularies import (
    CATEGORY_LEVELS,
    RegressionVocabularies,
    caption_words,
)


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
