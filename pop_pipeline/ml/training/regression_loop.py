"""One mini-batch training loop for every popularity-regression model.

A model qualifies if it follows the contract of
:mod:`pop_pipeline.ml.models.regression.regression_inputs`:
an ``nn.Module`` with ``required_inputs`` whose ``forward(batch)`` returns ``[B]`` predictions.
The loss is the MSE of papers 001, 002 and 004; the optimiser Adam (all three papers), with
learning rate and weight decay configurable.

With a validation set and a ``patience``, training stops once the validation MSE has not
improved by more than ``min_delta`` for ``patience`` epochs (paper 002 §4.1.4 stops early on its
validation set; paper 004 §4.1 keeps a validation split), and the weights of the best
validation epoch are restored. Without one, all epochs run and the last weights are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.training.seeding import seed_everything


@dataclass(frozen=True)
class RegressionData:
    """Row-aligned model inputs (first dimension = tweets) and, for training, their targets."""

    inputs: Mapping[str, torch.Tensor]  # name (regression_inputs) → tensor [N, ...]
    targets: torch.Tensor | None = None  # float [N]; None when only predicting

    def __post_init__(self) -> None:
        sizes = {name: int(tensor.shape[0]) for name, tensor in self.inputs.items()}
        if self.targets is not None:
            if self.targets.dim() != 1:
                raise ValueError(f"targets must be [N], got {tuple(self.targets.shape)}")
            sizes["<targets>"] = int(self.targets.shape[0])
        if len(set(sizes.values())) > 1:
            raise ValueError(f"regression data disagree on the number of rows: {sizes}")

    def __len__(self) -> int:
        if self.targets is not None:
            return int(self.targets.shape[0])
        return int(next(iter(self.inputs.values())).shape[0]) if self.inputs else 0

    def batch(
        self, rows: torch.Tensor, names: tuple[str, ...], device: torch.device
    ) -> dict[str, torch.Tensor]:
        """The named inputs of ``rows``, on ``device``."""
        missing = [name for name in names if name not in self.inputs]
        if missing:
            raise KeyError(f"regression data lack inputs {missing}; have {sorted(self.inputs)}")
        return {name: self.inputs[name][rows].to(device) for name in names}


@dataclass(frozen=True)
class RegressionTrainingConfig:
    """Hyperparameters of :func:`train_regression`."""

    epochs: int = 50  # most passes over the training rows
    batch_size: int = 128  # rows per optimiser step (paper 002: 128); the last may be smaller
    # Adam's step size (paper 001 §3.2: "initial learning rate as 0.001"; paper 002: 1e-3): the
    # one default of the torch regression models' (Hybrid CNN, UHAN, DSN) learning rate
    learning_rate: float = 1e-3
    weight_decay: float = 0.0  # L2 coefficient added to every gradient by Adam
    patience: int | None = 10  # epochs without validation improvement before stopping; None: never
    min_delta: float = 0.0  # a validation MSE must drop by more than this to count as better
    eval_batch_size: int = 1024  # rows per forward pass when computing validation loss
    seed: int = 0  # seeds torch (seed_everything) and the generator shuffling each epoch

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_size < 1 or self.eval_batch_size < 1:
            raise ValueError("epochs must be >= 0, batch sizes >= 1")
        if self.patience is not None and self.patience < 1:
            raise ValueError("patience must be >= 1 or None")


@dataclass(frozen=True)
class EpochLosses:
    """The losses of one epoch; epochs count from 1."""

    epoch: int
    train_loss: float  # mean training MSE over the epoch's rows (weights changing meanwhile)
    validation_loss: float | None  # validation MSE after the epoch; None without validation


@dataclass(frozen=True)
class RegressionTrainingResult:
    """What :func:`train_regression` did, for logging (e.g. per-epoch MLflow metrics)."""

    history: list[EpochLosses]  # one entry per epoch run
    best_epoch: int | None  # the epoch whose weights were restored; None without validation
    best_validation_loss: float | None  # its validation MSE
    stopped_early: bool  # True when patience ran out before ``epochs``


ProgressCallback = Callable[[EpochLosses], None]


def train_regression(
    model: nn.Module,
    train: RegressionData,
    config: RegressionTrainingConfig,
    *,
    validation: RegressionData | None = None,
    device: torch.device | str = "cpu",
    progress: ProgressCallback | None = None,
) -> RegressionTrainingResult:
    """Train ``model`` in place with MSE and Adam; see the module docstring.

    Args:
        model: a regression model of the batch contract; moved to ``device``.
        train: the training inputs and targets.
        config: epochs, batch size, Adam settings, early stopping, seed.
        validation: inputs and targets for early stopping and best-epoch restoring.
        device: where model and batches live (``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...).
        progress: called with each epoch's losses after the epoch.

    Raises:
        ValueError: ``train`` or ``validation`` has no targets or no rows.
        FloatingPointError: an epoch's training loss is not finite.
    """
    if train.targets is None or (validation is not None and validation.targets is None):
        raise ValueError("training and validation data need targets")
    if len(train) == 0 and config.epochs > 0:
        raise ValueError("no training rows")
    if validation is not None and len(validation) == 0:
        raise ValueError("empty validation set: pass validation=None to train without one")
    names = _required_inputs(model)
    device = torch.device(device)
    seed_everything(config.seed)
    shuffler = torch.Generator().manual_seed(config.seed)
    model.to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    history: list[EpochLosses] = []
    best_loss, best_epoch, best_state = math.inf, None, None
    epochs_without_gain, stopped_early = 0, False
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(len(train), generator=shuffler)
        squared_error = 0.0
        for start in range(0, len(train), config.batch_size):
            rows = order[start : start + config.batch_size]
            batch = train.batch(rows, names, device)
            target = train.targets[rows].to(device=device, dtype=torch.float32)
            loss = nn.functional.mse_loss(_predictions(model, batch, len(rows)), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            squared_error += float(loss.detach()) * len(rows)
        train_loss = squared_error / len(train)
        if not math.isfinite(train_loss):
            raise FloatingPointError(f"training loss is {train_loss} in epoch {epoch}")
        validation_loss = None
        if validation is not None:
            validation_loss = validation_mse(
                model, validation, batch_size=config.eval_batch_size, device=device
            )
            if validation_loss < best_loss - config.min_delta or best_state is None:
                best_loss, best_epoch, epochs_without_gain = validation_loss, epoch, 0
                best_state = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                }
            else:
                epochs_without_gain += 1
        record = EpochLosses(epoch, train_loss, validation_loss)
        history.append(record)
        if progress is not None:
            progress(record)
        if config.patience is not None and epochs_without_gain >= config.patience:
            stopped_early = epoch < config.epochs
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return RegressionTrainingResult(
        history=history,
        best_epoch=best_epoch,
        best_validation_loss=best_loss if best_epoch is not None else None,
        stopped_early=stopped_early,
    )


@torch.no_grad()
def predict_regression(
    model: nn.Module,
    data: RegressionData,
    *,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """The model's predictions ``[N]`` (float32, on the CPU), in row order, in eval mode."""
    names = _required_inputs(model)
    device = torch.device(device)
    model.to(device)
    was_training = model.training
    model.eval()
    try:
        parts = []
        for start in range(0, len(data), batch_size):
            rows = torch.arange(start, min(start + batch_size, len(data)))
            parts.append(_predictions(model, data.batch(rows, names, device), len(rows)).cpu())
    finally:
        model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0)


def validation_mse(
    model: nn.Module,
    data: RegressionData,
    *,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> float:
    """``(1/N) Σ (ŷ − y)²`` over ``data`` (NaN when it has no rows)."""
    if data.targets is None:
        raise ValueError("validation data need targets")
    if len(data) == 0:
        return float("nan")
    predictions = predict_regression(model, data, batch_size=batch_size, device=device)
    return float(torch.mean((predictions - data.targets.float().cpu()) ** 2))


def _predictions(model: nn.Module, batch: dict[str, torch.Tensor], size: int) -> torch.Tensor:
    """``model(batch)`` as float ``[B]``; any other shape would broadcast silently in the loss."""
    predictions = model(batch)
    if tuple(predictions.shape) != (size,):
        raise ValueError(f"model returned {tuple(predictions.shape)}, expected ({size},)")
    return predictions.float()


def _required_inputs(model: nn.Module) -> tuple[str, ...]:
    names = getattr(model, "required_inputs", None)
    if names is None:
        raise TypeError(f"{type(model).__name__} declares no required_inputs")
    return tuple(names)
