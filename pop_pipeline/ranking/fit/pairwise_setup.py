"""What every ranking trainer does alike: triplet index tensors and the pairwise training call.

The trainers in :mod:`pop_pipeline.ranking.fit.trainers` and
:mod:`pop_pipeline.ranking.fit.content_trainers` differ in their model and triplet dataset; the
hyperparameters they share (epochs, batch size, learning rate, seed, optionally weight decay)
go to :func:`pop_pipeline.ml.training.pairwise.train_pairwise` the same way, here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch
from torch import nn

from pop_pipeline.ml.models.ranking.cold_users import untrained_users
from pop_pipeline.ml.training.batches import TripletBatches
from pop_pipeline.ml.training.pairwise import OptimizerName, train_pairwise
from pop_pipeline.ranking.data.ranking_data import RankingData


class PairwiseTrainingParams(Protocol):
    """The fields every ranking trainer's params share."""

    @property
    def epochs(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def learning_rate(self) -> float: ...
    @property
    def seed(self) -> int: ...


def triplet_tensors(data: RankingData) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(users, pos_rows, neg_rows)`` of ``data``'s training triplets as int64 tensors."""
    return tuple(  # type: ignore[return-value]
        torch.from_numpy(np.asarray(a, dtype=np.int64).copy())
        for a in (data.triplet_users, data.triplet_pos, data.triplet_neg)
    )


def untrained_users_of(data: RankingData) -> torch.Tensor:
    """Users of ``data`` with no training triplet (they get the unknown user's parameters)."""
    return untrained_users(len(data.user_ids), torch.from_numpy(np.asarray(data.triplet_users)))


def fit_pairwise(
    model: nn.Module,
    triplets: TripletBatches | tuple[torch.Tensor, ...],
    params: PairwiseTrainingParams,
    *,
    optimizer: OptimizerName,
    device: torch.device,
    on_epoch_end: Callable[[int, float], None] | None = None,
) -> list[float]:
    """:func:`train_pairwise` with ``params``' epochs, batch size, learning rate, seed and
    (when it has one) weight decay; returns the mean loss per epoch."""
    return train_pairwise(
        model,
        triplets,
        epochs=params.epochs,
        batch_size=params.batch_size,
        optimizer=optimizer,
        lr=params.learning_rate,
        weight_decay=float(getattr(params, "weight_decay", 0.0)),
        seed=params.seed,
        device=device,
        on_epoch_end=on_epoch_end,
    )
