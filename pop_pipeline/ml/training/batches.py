"""Triplet datasets for :func:`pop_pipeline.ml.training.pairwise.train_pairwise`.

A triplet dataset has a length and ``take(index)``, which returns the positional arguments of the
model's ``calculate_loss`` for the rows in ``index`` (a CPU LongTensor). ``None`` entries pass
through unchanged (a disabled modality).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

Batch = tuple[torch.Tensor | None, ...]


class TripletBatches(Protocol):
    def __len__(self) -> int: ...

    def take(self, index: torch.Tensor) -> Batch: ...


@dataclass(frozen=True)
class TensorTriplets:
    """Row-aligned tensors, one per ``calculate_loss`` argument (e.g. BPR's users, pos, neg)."""

    tensors: tuple[torch.Tensor | None, ...]

    def __post_init__(self) -> None:
        lengths = {len(t) for t in self.tensors if t is not None}
        if len(lengths) != 1:
            raise ValueError(
                f"triplet tensors must be non-empty and share one length, got {lengths}"
            )

    def __len__(self) -> int:
        return next(len(t) for t in self.tensors if t is not None)

    def take(self, index: torch.Tensor) -> Batch:
        return tuple(None if t is None else t[index] for t in self.tensors)


@dataclass(frozen=True)
class FeatureLookupTriplets:
    """AMNL triplets as tweet indices into feature tables, gathered per batch.

    ``take`` returns ``(users, pos_image, pos_text, neg_image, neg_text)``; storing indices keeps
    memory at one feature row per tweet instead of two per triplet.
    """

    users: torch.Tensor  # [T] user indices
    pos_tweets: torch.Tensor  # [T] row of the retweeted tweet in the feature tables
    neg_tweets: torch.Tensor  # [T] row of the sampled negative tweet
    image_features: torch.Tensor | None  # [n_tweets, image_dim], None if unused
    text_features: torch.Tensor | None  # [n_tweets, text_dim] (max-pooled), None if unused

    def __post_init__(self) -> None:
        if not len(self.users) == len(self.pos_tweets) == len(self.neg_tweets):
            raise ValueError("users, pos_tweets and neg_tweets must have the same length")

    def __len__(self) -> int:
        return len(self.users)

    def take(self, index: torch.Tensor) -> Batch:
        pos, neg = self.pos_tweets[index], self.neg_tweets[index]
        image, text = self.image_features, self.text_features
        return (
            self.users[index],
            None if image is None else image[pos],
            None if text is None else text[pos],
            None if image is None else image[neg],
            None if text is None else text[neg],
        )
