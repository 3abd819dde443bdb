"""Triplets as tweet rows into any number of per-tweet feature tables, gathered per batch.

The general form of :class:`pop_pipeline.ml.training.batches.FeatureLookupTriplets` (AMNL's
image and text tables) for models that read more per tweet, such as AMNL+ (patch grid, image
embedding, sentence features): ``take`` returns ``(users, *pos rows, *neg rows)``, one row of
each table for the positive tweet and then one of each for the negative, which is the order
of :meth:`pop_pipeline.ml.models.ranking.amnl_plus.AMNLPlus.calculate_loss`'s arguments. A ``None``
table passes through as ``None`` (a disabled input). Storing indices keeps memory at one row
per tweet instead of two per triplet.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from pop_pipeline.ml.training.batches import Batch


@dataclass(frozen=True)
class TweetTableTriplets:
    """``(user, positive tweet row, negative tweet row)`` triplets over shared tweet tables."""

    users: torch.Tensor  # [T] user indices
    pos_tweets: torch.Tensor  # [T] row of the retweeted tweet in every table
    neg_tweets: torch.Tensor  # [T] row of the sampled negative tweet
    tables: tuple[torch.Tensor | None, ...]  # per-tweet tables [n_tweets, ...]; None if unused

    def __post_init__(self) -> None:
        if not len(self.users) == len(self.pos_tweets) == len(self.neg_tweets):
            raise ValueError("users, pos_tweets and neg_tweets must have the same length")
        rows = {len(table) for table in self.tables if table is not None}
        if len(rows) > 1:
            raise ValueError(f"tweet tables must share one number of rows, got {sorted(rows)}")

    def __len__(self) -> int:
        return len(self.users)

    def take(self, index: torch.Tensor) -> Batch:
        pos, neg = self.pos_tweets[index], self.neg_tweets[index]
        return (
            self.users[index],
            *(None if table is None else table[pos.to(table.device)] for table in self.tables),
            *(None if table is None else table[neg.to(table.device)] for table in self.tables),
        )
