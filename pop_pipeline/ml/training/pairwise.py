"""One mini-batch training loop for triplet (pairwise ranking) models.

A model qualifies if ``model.calculate_loss(*batch)`` returns a scalar loss, where ``batch`` is
what the triplet dataset's ``take`` returns (see :mod:`pop_pipeline.ml.training.batches`):
AMNL (users, pos_image, pos_text, neg_image, neg_text) and BPR (users, pos_items, neg_items).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import torch
from torch import nn

from pop_pipeline.ml.training.batches import TensorTriplets, TripletBatches
from pop_pipeline.ml.training.seeding import seed_everything

OptimizerName = Literal["adagrad", "adam", "sgd"]


class PairwiseModel(Protocol):
    def calculate_loss(self, *batch: torch.Tensor | None) -> torch.Tensor: ...


def make_optimizer(
    parameters: Sequence[nn.Parameter], name: OptimizerName, *, lr: float, weight_decay: float
) -> torch.optim.Optimizer:
    """Adagrad (AMNL's "SGD with diagonal AdaGrad", paper 000 §II-B), Adam or plain SGD.

    ``weight_decay`` λ adds ``λ·θ`` to every gradient: the L2 term ``(λ/2)‖θ‖²`` of the objective.
    """
    if name == "adagrad":
        return torch.optim.Adagrad(parameters, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}")


def train_pairwise(
    model: nn.Module,
    triplets: TripletBatches | Sequence[torch.Tensor | None],
    *,
    epochs: int,
    batch_size: int,
    optimizer: OptimizerName = "adagrad",
    lr: float = 0.01,
    weight_decay: float = 0.0,
    seed: int,
    device: torch.device | str = "cpu",
    on_epoch_end: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` in place on shuffled mini-batches; returns the mean loss per epoch.

    Args:
        model: an ``nn.Module`` with ``calculate_loss(*batch) -> scalar``; moved to ``device``.
        triplets: a triplet dataset, or row-aligned tensors (wrapped in ``TensorTriplets``).
        epochs: passes over the triplets.
        batch_size: triplets per optimiser step (the last batch may be smaller).
        optimizer: ``"adagrad"`` (paper 000's choice, default), ``"adam"`` or ``"sgd"``.
        lr: learning rate (paper 000: 0.01).
        weight_decay: L2 coefficient λ applied by the optimiser (β = λ/2 in AMNL's objective).
        seed: seeds torch (``seed_everything``) and the CPU generator that shuffles each epoch.
        device: where the model and batches live (``"cpu"``, ``"cuda"``, ...).
        on_epoch_end: called with ``(epoch, mean_loss)`` after each epoch, ``epoch`` from 0.

    Raises:
        FloatingPointError: if an epoch's mean loss is not finite.
    """
    if epochs < 0 or batch_size < 1:
        raise ValueError("epochs must be >= 0 and batch_size >= 1")
    data = triplets if hasattr(triplets, "take") else TensorTriplets(tuple(triplets))
    seed_everything(seed)
    shuffler = torch.Generator().manual_seed(seed)
    device = torch.device(device)
    model.to(device)
    model.train()
    step = make_optimizer(list(model.parameters()), optimizer, lr=lr, weight_decay=weight_decay)
    n = len(data)
    losses: list[float] = []
    for epoch in range(epochs):
        order = torch.randperm(n, generator=shuffler)
        total = torch.zeros((), device=device)
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            batch = tuple(
                None if t is None else t.to(device, non_blocking=True) for t in data.take(index)
            )
            loss = model.calculate_loss(*batch)
            step.zero_grad(set_to_none=True)
            loss.backward()
            step.step()
            total += loss.detach() * len(index)
        mean_loss = float(total) / max(n, 1)
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"mean loss is {mean_loss} at epoch {epoch}")
        losses.append(mean_loss)
        if on_epoch_end is not None:
            on_epoch_end(epoch, mean_loss)
    return losses
