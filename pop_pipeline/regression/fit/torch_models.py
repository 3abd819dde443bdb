"""Fit one popularity-regression model on one protocol's split and predict its test tweets.

:class:`RegressionTrainingData` holds what every model of one (protocol, target) reads: the
regression tweet frame, the target column, the protocol's split, the vocabularies fitted on
that split's training rows and the stored CLIP features. Inputs are built per split with
:func:`~pop_pipeline.regression.data.features.build_regression_inputs` for exactly the
model's ``required_inputs``; tweets it cannot build (missing embedding, unreadable photo) are
quarantined with a reason and reported, never silently dropped.

:func:`fit_torch_regression` trains a model of the batch contract (Hybrid CNN, UHAN, DSN) with
:func:`~pop_pipeline.ml.training.regression_loop.train_regression` (MSE, Adam), stopping early
on the validation split when asked and the protocol has one; a model with an observation-context
term (UHAN, DSN) starts it at its least-squares fit on the training split.
:func:`fit_baseline_regression` fits a baseline of
:mod:`pop_pipeline.regression.fit.baselines`. Both return a :class:`FittedRegression` with
the test predictions and the losses to log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.ml.models.regression.dsn import DSN, dsn_config
from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN, HybridCNNConfig
from pop_pipeline.ml.models.regression.observation_context import ObservationContext
from pop_pipeline.ml.models.regression.uhan import UHAN, uhan_config
from pop_pipeline.ml.training.regression_loop import (
    EpochLosses,
    RegressionData,
    RegressionTrainingConfig,
    predict_regression,
    train_regression,
)
from pop_pipeline.ml.training.seeding import seed_everything
from pop_pipeline.regression.data.features import (
    QUARANTINE_COLUMNS,
    FeatureSources,
    RegressionFeatureConfig,
    RegressionInputs,
    build_regression_inputs,
)
from pop_pipeline.regression.data.vocabularies import RegressionVocabularies
from pop_pipeline.regression.fit.baselines import RegressionBaseline

SPLIT_ORDER = ("train", "validation", "test")


@dataclass(frozen=True, eq=False)
class RegressionTrainingData:
    """Everything a model of one protocol and target trains and is tested on."""

    protocol: str  # a regression.protocols.PROTOCOLS key
    target: str  # popularity_targets column the model regresses on
    tweets: pd.DataFrame  # regression tweet frame of every tweet (REGRESSION_TWEET_COLUMNS)
    targets: pd.Series  # the target, indexed by tweet_id (str)
    splits: pd.Series  # "train" / "validation" / "test", indexed by tweet_id (str)
    vocabularies: RegressionVocabularies  # fitted on this protocol's training rows
    sources: FeatureSources  # stored CLIP embeddings, patch grids, the DSN history
    feature_config: RegressionFeatureConfig = field(default_factory=RegressionFeatureConfig)

    def split_frame(self, split: str) -> pd.DataFrame:
        """The tweets of ``split`` (chronological, as ``tweets``) that have a target."""
        ids = self.tweets["tweet_id"].astype(str)
        chosen = ids.map(self.splits).eq(split) & ids.isin(self.targets.index)
        return self.tweets[chosen.to_numpy()].reset_index(drop=True)

    def has_split(self, split: str) -> bool:
        return bool((self.splits == split).any())

    def split_inputs(
        self, split: str, required: tuple[str, ...], config: RegressionFeatureConfig
    ) -> tuple[RegressionInputs, pd.DataFrame, np.ndarray]:
        """``(inputs, frame, targets)`` of ``split``: targets aligned on ``inputs.tweet_ids``."""
        frame = self.split_frame(split)
        inputs = build_regression_inputs(frame, self.vocabularies, required, self.sources, config)
        values = self.targets.loc[list(inputs.tweet_ids)].to_numpy(dtype=np.float64)
        return inputs, frame, values


@dataclass(eq=False)
class FittedRegression:
    """A trained model, its test predictions and what to log about the training."""

    estimator: Any  # nn.Module (eval mode, CPU) or a fitted RegressionBaseline
    estimator_spec: dict[str, Any]  # {"class": ..., "config": ...} (the registry's seam)
    required_inputs: tuple[str, ...]
    feature_config: RegressionFeatureConfig
    test_tweet_ids: list[str]
    test_targets: np.ndarray
    test_predictions: np.ndarray
    train_mean: float  # mean training target: the ``random`` row's prediction
    epoch_losses: list[float] = field(default_factory=list)  # training MSE per epoch
    validation_losses: list[float] = field(default_factory=list)  # validation MSE per epoch
    best_epoch: int | None = None  # restored epoch (early stopping), None without validation
    rows: dict[str, int] = field(default_factory=dict)  # tweets per split that were used
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "split"])
    )
    seconds: float = 0.0
    metadata: dict[str, object] = field(default_factory=dict)  # extra params to log


TorchBuilder = Callable[[RegressionTrainingData, Mapping[str, torch.Tensor], float], nn.Module]


SplitPart = tuple[RegressionInputs, pd.DataFrame, np.ndarray]  # inputs, frame, aligned targets


def _split_parts(
    data: RegressionTrainingData,
    required: tuple[str, ...],
    config: RegressionFeatureConfig,
    with_validation: bool,
) -> dict[str, SplitPart]:
    """The built train, validation (when asked and the protocol has one) and test splits.

    Raises:
        ValueError: no train or no test tweet has the inputs the model needs.
    """
    splits = ["train", "test"]
    if with_validation and data.has_split("validation"):
        splits.insert(1, "validation")
    parts = {split: data.split_inputs(split, required, config) for split in splits}
    for split in ("train", "test"):
        _check_rows(data.protocol, split, parts[split][0])
    return parts


def _quarantine(parts: dict[str, SplitPart]) -> pd.DataFrame:
    frames = [part[0].quarantine.assign(split=split) for split, part in parts.items()]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "split"])
    return pd.concat(frames, ignore_index=True)


def _check_rows(protocol: str, split: str, inputs: RegressionInputs) -> None:
    if not inputs.tweet_ids:
        raise ValueError(
            f"{protocol}: no {split} tweet has the inputs the model needs "
            f"({len(inputs.quarantine)} quarantined)"
        )


def fit_torch_regression(
    data: RegressionTrainingData,
    build: TorchBuilder,
    training: RegressionTrainingConfig,
    *,
    required_inputs: tuple[str, ...],
    feature_config: RegressionFeatureConfig | None = None,
    early_stopping: bool = True,
    device: torch.device | str = "cpu",
    progress: Callable[[EpochLosses], None] | None = None,
) -> FittedRegression:
    """Train the module ``build(data, train_tensors, train_mean)`` makes, predict the test split.

    With ``early_stopping`` and a validation split, training stops after ``training.patience``
    epochs without validation gain and the best epoch's weights are kept; otherwise every
    epoch runs (``patience`` is then ignored).
    """
    started = time.perf_counter()
    config = feature_config or data.feature_config
    parts = _split_parts(data, tuple(required_inputs), config, early_stopping)
    train_inputs, _, train_y = parts["train"]
    test_inputs, _, test_y = parts["test"]
    validation = None
    if "validation" in parts and parts["validation"][0].tweet_ids:
        val_inputs, _, val_y = parts["validation"]
        validation = RegressionData(val_inputs.tensors, _tensor(val_y))
    train_mean = float(train_y.mean())
    seed_everything(training.seed)  # the initial weights, not only the training order
    model = build(data, train_inputs.tensors, train_mean)
    if tuple(model.required_inputs) != tuple(required_inputs):  # type: ignore[arg-type]
        raise ValueError(f"model reads {model.required_inputs}, inputs built {required_inputs}")
    context = getattr(model, "context", None)
    if isinstance(context, ObservationContext):  # start from the linear fit of the context
        side = train_inputs.tensors[names.SIDE_FEATURES]
        context.fit_least_squares(side, _tensor(train_y) - train_mean)
    if validation is None:
        training = replace(training, patience=None)
    result = train_regression(
        model,
        RegressionData(train_inputs.tensors, _tensor(train_y)),
        training,
        validation=validation,
        device=device,
        progress=progress,
    )
    predictions = predict_regression(
        model, RegressionData(test_inputs.tensors), batch_size=training.eval_batch_size,
        device=device,
    )  # fmt: skip
    model.to("cpu").eval()
    return FittedRegression(
        estimator=model,
        estimator_spec={"class": type(model).__name__, "config": asdict(model.config)},  # type: ignore[call-overload]
        required_inputs=tuple(required_inputs),
        feature_config=config,
        test_tweet_ids=list(test_inputs.tweet_ids),
        test_targets=test_y,
        test_predictions=predictions.numpy().astype(np.float64),
        train_mean=train_mean,
        epoch_losses=[epoch.train_loss for epoch in result.history],
        validation_losses=[
            epoch.validation_loss for epoch in result.history if epoch.validation_loss is not None
        ],
        best_epoch=result.best_epoch,
        rows={split: len(part[0].tweet_ids) for split, part in parts.items()},
        quarantine=_quarantine(parts),
        seconds=time.perf_counter() - started,
        metadata={
            **{f"training.{k}": v for k, v in asdict(training).items()},
            "epochs_run": len(result.history),
            "stopped_early": result.stopped_early,
            "best_epoch": result.best_epoch if result.best_epoch is not None else "none",
        },
    )


def fit_baseline_regression(
    data: RegressionTrainingData,
    baseline: RegressionBaseline,
    *,
    early_stopping: bool = True,
) -> FittedRegression:
    """Fit ``baseline`` on the training split (validation passed where it uses one), predict
    the test split."""
    started = time.perf_counter()
    required = tuple(baseline.required_inputs)
    config = data.feature_config
    parts = _split_parts(data, required, config, early_stopping)
    train_inputs, train_frame, train_y = parts["train"]
    test_inputs, test_frame, test_y = parts["test"]
    validation = parts.get("validation")
    if validation is not None and not validation[0].tweet_ids:
        validation = None
    baseline.fit(train_inputs, train_frame, train_y, validation)
    predictions = np.asarray(baseline.predict(test_inputs, test_frame), dtype=np.float64)
    best = getattr(getattr(baseline, "model", None), "best_iteration", None)
    return FittedRegression(
        estimator=baseline,
        estimator_spec={"class": type(baseline).__name__},
        required_inputs=required,
        feature_config=config,
        test_tweet_ids=list(test_inputs.tweet_ids),
        test_targets=test_y,
        test_predictions=predictions,
        train_mean=float(train_y.mean()),
        best_epoch=best,
        rows={split: len(part[0].tweet_ids) for split, part in parts.items()},
        quarantine=_quarantine(parts),
        seconds=time.perf_counter() - started,
        metadata=_baseline_params(baseline),
    )


def _tensor(values: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.array(values, dtype=np.float32))


def _baseline_params(baseline: RegressionBaseline) -> dict[str, object]:
    config = getattr(getattr(baseline, "model", None), "config", None)
    return {f"baseline.{k}": v for k, v in asdict(config).items()} if config is not None else {}


# --- the deep models' builders (sizes from the vocabularies and the built tensors) ---------


def hybrid_cnn_builder(**sizes: Any) -> TorchBuilder:
    """Paper 001's Hybrid CNN (the paper's layer sizes unless ``sizes`` override them)."""

    def build(
        data: RegressionTrainingData, tensors: Mapping[str, torch.Tensor], train_mean: float
    ) -> nn.Module:
        config = HybridCNNConfig(image_size=data.feature_config.image_size, **sizes)
        return _with_output_bias(HybridCNN(config), train_mean)

    return build


def uhan_builder(variant: str, **sizes: Any) -> TorchBuilder:
    """UHAN variant ``variant`` (UHAN_VARIANTS), output bias at the training mean."""

    def build(
        data: RegressionTrainingData, tensors: Mapping[str, torch.Tensor], train_mean: float
    ) -> nn.Module:
        patches = tensors.get(names.PATCH_FEATURES)
        patch_dim = int(patches.shape[-1]) if patches is not None else _stored_patch_dim(data)
        config = uhan_config(
            variant,
            n_users=data.vocabularies.users.size,
            vocab_size=data.vocabularies.words.size,
            patch_dim=patch_dim,
            initial_output=train_mean,
            **sizes,
        )
        return UHAN(config)

    return build


def dsn_builder(variant: str, **sizes: Any) -> TorchBuilder:
    """DSN variant ``variant`` (DSN_VARIANTS), output bias at the training mean."""

    def build(
        data: RegressionTrainingData, tensors: Mapping[str, torch.Tensor], train_mean: float
    ) -> nn.Module:
        config = dsn_config(
            variant,
            n_users=data.vocabularies.users.size,
            clip_dim=int(tensors[names.SEQUENCE_IMAGE_EMBEDDING].shape[-1]),
            user_feature_dim=int(tensors[names.USER_FEATURES].shape[-1]),
            category_vocab_sizes=tuple(v.size for v in data.vocabularies.categories),
            initial_output=train_mean,
            **sizes,
        )
        return DSN(config)

    return build


def _stored_patch_dim(data: RegressionTrainingData) -> int:
    """Without the visual branch UHAN still needs a patch width: the stored grids' (or 1)."""
    patches = data.sources.patches
    ids = list(data.split_frame("train")["tweet_id"].head(1))
    if patches is None or not ids or not bool(patches.available(ids).all()):
        return 1
    return int(patches.read(ids).shape[-1])


def _with_output_bias(model: HybridCNN, value: float) -> HybridCNN:
    """Start the Hybrid CNN's summed output at the training mean (its last layer's bias)."""
    last = [module for module in model.modules() if isinstance(module, nn.Linear)][-1]
    with torch.no_grad():
        last.bias.add_(value / last.bias.numel())
    return model
