"""The id vocabularies and user-feature scaler of the regression models, fitted on training rows.

Everything that maps a raw tweet to model inputs and depends on data is fitted here, on the
training split only, so validation and test tweets are encoded exactly as a new tweet would
be: a word, user or category first seen outside training gets id 0 ("unknown / padding",
:mod:`pop_pipeline.ml.models.regression.regression_inputs`). The whole bundle serialises to JSON,
which
ships inside every registered regression model.

- words: lower-cased caption tokens (:func:`caption_words`) seen at least ``min_word_count``
  times, the ``max_words`` most frequent (UHAN's LSTM over caption words, paper 002 §3.2);
- users: every author of a training tweet (the learned user embedding of papers 002 and 004);
- categories: the three levels category, subcategory, concept (DSN's HCE, paper 004 §3.3);
- the user-feature scaler (:mod:`pop_pipeline.regression.data.user_features`).

Ids are assigned by decreasing training frequency, ties broken alphabetically, so fitting is
deterministic.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from pop_pipeline.ml.features.caption_words import caption_words
from pop_pipeline.regression.data.user_features import UserFeatureScaler

CATEGORY_LEVELS = ("category", "subcategory", "concept")  # columns of the three levels
FORMAT = "pop-regression-vocabularies/1"
MIN_WORD_COUNT = 2  # a word needs this many training captions' occurrences to get an id
MAX_WORDS = 20_000  # at most this many words get ids (the most frequent)


@dataclass(frozen=True)
class TokenVocabulary:
    """Tokens with ids ``1..len(tokens)`` in order; every other token (and ``None``) is 0."""

    tokens: tuple[str, ...]

    @classmethod
    def fit(
        cls, tokens: Iterable[str | None], *, min_count: int = 1, max_size: int | None = None
    ) -> TokenVocabulary:
        """The tokens seen at least ``min_count`` times, most frequent first (ties by token)."""
        counts = Counter(token for token in tokens if token is not None and token == token)
        kept = sorted((item for item in counts.items() if item[1] >= min_count), key=_by_count)
        return cls(tokens=tuple(token for token, _ in kept[:max_size]))

    @cached_property
    def _ids(self) -> dict[str, int]:
        return {token: position + 1 for position, token in enumerate(self.tokens)}

    @property
    def size(self) -> int:
        """Rows an embedding table needs: the tokens plus id 0."""
        return len(self.tokens) + 1

    def id(self, token: str | None) -> int:
        return self._ids.get(token, 0) if isinstance(token, str) else 0

    def ids(self, tokens: Sequence[str | None]) -> list[int]:
        return [self.id(token) for token in tokens]


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


@dataclass(frozen=True)
class RegressionVocabularies:
    """Everything fitted on the training rows that turns tweets into regression inputs."""

    words: TokenVocabulary  # caption words (WORD_IDS)
    users: TokenVocabulary  # author ids (USER_INDEX)
    categories: tuple[TokenVocabulary, TokenVocabulary, TokenVocabulary]  # per CATEGORY_LEVELS
    user_scaler: UserFeatureScaler  # USER_FEATURES

    def to_json(self) -> str:
        payload: dict[str, Any] = {
            "format": FORMAT,
            "words": list(self.words.tokens),
            "users": list(self.users.tokens),
            "categories": {
                level: list(vocabulary.tokens)
                for level, vocabulary in zip(CATEGORY_LEVELS, self.categories, strict=True)
            },
            "user_scaler": self.user_scaler.to_json(),
        }
        return json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RegressionVocabularies:
        payload = json.loads(text)
        if payload.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document: format {payload.get('format')!r}")
        levels = payload["categories"]
        return cls(
            words=TokenVocabulary(tuple(payload["words"])),
            users=TokenVocabulary(tuple(payload["users"])),
            categories=(
                TokenVocabulary(tuple(levels["category"])),
                TokenVocabulary(tuple(levels["subcategory"])),
                TokenVocabulary(tuple(levels["concept"])),
            ),
            user_scaler=UserFeatureScaler.from_json(payload["user_scaler"]),
        )


def fit_regression_vocabularies(
    train_tweets: pd.DataFrame,
    *,
    min_word_count: int = MIN_WORD_COUNT,
    max_words: int = MAX_WORDS,
) -> RegressionVocabularies:
    """Fit every vocabulary and the user scaler on the training tweets only.

    Args:
        train_tweets: one row per training tweet with ``text``, ``author_id``, the
            :data:`CATEGORY_LEVELS` columns and the user columns of
            :func:`~pop_pipeline.regression.data.user_features.unscaled_user_numbers`.
        min_word_count: occurrences (over all training captions) a word needs to get an id.
        max_words: most words kept.
    """
    words = (word for text in train_tweets["text"] for word in caption_words(text))
    return RegressionVocabularies(
        words=TokenVocabulary.fit(words, min_count=min_word_count, max_size=max_words),
        users=TokenVocabulary.fit(train_tweets["author_id"].astype(str)),
        categories=(
            TokenVocabulary.fit(train_tweets["category"]),
            TokenVocabulary.fit(train_tweets["subcategory"]),
            TokenVocabulary.fit(train_tweets["concept"]),
        ),
        user_scaler=UserFeatureScaler.fit(train_tweets),
    )
