"""The popularity-regression models as data: one spec per model, one asset per spec.

A spec names the model (asset ``<name>``, registered model ``pop-<name>``, metrics row
``<name>``), its run configuration (:mod:`~pop_pipeline.defs.regression.model_configs`), the
function that fits it on one protocol's data (:mod:`pop_pipeline.regression.fit.torch_models`),
the (protocol, target) whose run is registered, and the targets it is restricted to (paper
001 trains one Hybrid CNN per target). UHAN and DSN ablations are the variants of
``UHAN_VARIANTS`` and ``DSN_VARIANTS``, each its own model and run.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import dagster as dg
import torch

from pop_pipeline.defs.regression import model_configs as configs
from pop_pipeline.ml.models.regression.dsn import DSN_VARIANTS, dsn_config
from pop_pipeline.ml.models.regression.gbdt import GBDTConfig
from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN
from pop_pipeline.ml.models.regression.svr_baselines import SVRConfig
from pop_pipeline.ml.models.regression.uhan import UHAN_VARIANTS, uhan_config
from pop_pipeline.ml.training.regression_loop import EpochLosses, RegressionTrainingConfig
from pop_pipeline.regression.data.popularity_targets import POPULARITY_TARGETS
from pop_pipeline.regression.fit import torch_models as fits
from pop_pipeline.regression.fit.baselines import make_baseline
from pop_pipeline.regression.protocols import PROTOCOLS

Progress = Callable[[EpochLosses], None] | None
FitFunction = Callable[
    [fits.RegressionTrainingData, dg.Config, torch.device, Progress], fits.FittedRegression
]
CLIP_DEPS = ("clip_encoder", "tweet_embeddings")


@dataclass(frozen=True)
class RegressionModelSpec:
    name: str  # asset ``<name>``, registered model ``pop-<name>``, metrics row ``<name>``
    description: str
    config: type[configs.RegressionModelConfig]
    fit: FitFunction
    registered: tuple[str, str]  # (protocol, target) of the registered run
    targets: tuple[str, ...] = ()  # the only targets it trains on; () = every protocol target
    feature_deps: tuple[str, ...] = CLIP_DEPS  # feature assets it reads
    pool: str = "gpu"

    def runs(self, config: configs.RegressionModelConfig) -> list[tuple[str, str]]:
        """(protocol, target) of every run, in the protocols' order."""
        unknown = set(config.protocols) - set(PROTOCOLS)
        if unknown:
            raise ValueError(f"{self.name}: unknown protocols {sorted(unknown)}")
        runs = [
            (protocol, target)
            for protocol in PROTOCOLS
            if protocol in config.protocols
            for target in PROTOCOLS[protocol].targets
            if not self.targets or target in self.targets
        ]
        if not runs:
            raise ValueError(f"{self.name}: no (protocol, target) to train on")
        return runs

    def registered_run(self, runs: list[tuple[str, str]]) -> tuple[str, str]:
        """The home run if configured, else the first run."""
        return self.registered if self.registered in runs else runs[0]


def _training(config: configs.TorchRegressionConfig) -> RegressionTrainingConfig:
    return RegressionTrainingConfig(
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        patience=config.patience,
        seed=config.seed,
    )


def _fit_hybrid_cnn(data, config, device, progress):  # type: ignore[no-untyped-def]
    return fits.fit_torch_regression(
        data,
        fits.hybrid_cnn_builder(),
        _training(config),
        required_inputs=HybridCNN.required_inputs,
        early_stopping=config.early_stopping,
        device=device,
        progress=progress,
    )


def _fit_uhan(variant: str) -> FitFunction:
    def fit(data, config, device, progress):  # type: ignore[no-untyped-def]
        dim, use_context = config.dim, config.use_context
        sizes = dict(word_dim=dim, hidden_dim=dim, user_dim=dim, attention_dim=dim, head_dim=dim)
        shape = dict(n_users=1, vocab_size=1, patch_dim=1)  # the inputs depend on the flags only
        required = uhan_config(variant, **shape, use_context=use_context).required_inputs
        return fits.fit_torch_regression(
            data,
            fits.uhan_builder(variant, **sizes, use_context=use_context),
            _training(config),
            required_inputs=required,
            early_stopping=config.early_stopping,
            device=device,
            progress=progress,
        )

    return fit


def _fit_dsn(variant: str) -> FitFunction:
    shape = dict(n_users=1, clip_dim=1, user_feature_dim=0, category_vocab_sizes=(1,))  # flags only

    def fit(data, config, device, progress):  # type: ignore[no-untyped-def]
        sizes = dict(
            hidden_dim=config.hidden_dim,
            n_heads=config.n_heads,
            user_dim=config.user_dim,
            dropout=config.dropout,
            use_context=config.use_context,
        )
        if "sequence_length" in type(config).model_fields:  # else the variant fixes l
            sizes["sequence_length"] = config.sequence_length
        model = dsn_config(variant, **shape, **sizes)  # the data window is the model's l
        return fits.fit_torch_regression(
            data,
            fits.dsn_builder(variant, **sizes),
            _training(config),
            required_inputs=model.required_inputs,
            feature_config=replace(data.feature_config, sequence_length=model.sequence_length),
            early_stopping=config.early_stopping,
            device=device,
            progress=progress,
        )

    return fit


def _fit_baseline(name: str) -> FitFunction:
    def fit(data, config, device, progress):  # type: ignore[no-untyped-def]
        values = config.model_dump()
        svr = SVRConfig(
            **{k: values[k] for k in ("kernel", "c", "epsilon", "max_train_rows") if k in values},
            seed=config.seed,
        )
        gbdt_fields = ("max_iter", "learning_rate", "max_leaf_nodes", "min_samples_leaf")
        gbdt = GBDTConfig(
            **{k: values[k] for k in (*gbdt_fields, "l2_regularization") if k in values},
            seed=config.seed,
        )
        baseline = make_baseline(name, svr=svr, gbdt=gbdt)
        return fits.fit_baseline_regression(
            data, baseline, early_stopping=bool(values.get("early_stopping", False))
        )

    return fit


def _uhan(name: str, description: str) -> RegressionModelSpec:
    return RegressionModelSpec(
        name=name,
        description=description,
        config=configs.UhanModelConfig,
        fit=_fit_uhan(name),
        registered=("paper002", "popularity_score"),
        feature_deps=("tweet_patch_features",),
    )


def _dsn(name: str, description: str) -> RegressionModelSpec:
    return RegressionModelSpec(
        name=name,
        description=description,
        config=(
            configs.DsnFixedWindowModelConfig
            if "sequence_length" in DSN_VARIANTS[name]
            else configs.DsnModelConfig
        ),
        fit=_fit_dsn(name),
        registered=("paper004", "popularity_score"),
    )


def _baseline(
    name: str,
    description: str,
    config: type[configs.RegressionModelConfig],
    registered: tuple[str, str],
    feature_deps: tuple[str, ...] = CLIP_DEPS,
) -> RegressionModelSpec:
    return RegressionModelSpec(
        name=name,
        description=description,
        config=config,
        fit=_fit_baseline(name),
        registered=registered,
        feature_deps=feature_deps,
        pool="duckdb",
    )


UHAN_DESCRIPTIONS = {
    "uhan": "UHAN (paper 002 §3): user-guided intra- and inter-attention over CLIP patch "
    "regions and caption words, user shortcut, 2-layer head; MSE.",
    "uhan_no_intra": "UHAN w/o intra-attention (Table 4): mean-pooled regions and words.",
    "uhan_no_inter": "UHAN w/o inter-attention (Table 4): modalities averaged.",
    "uhan_no_intra_inter": "UHAN w/o intra- and inter-attention (Table 4).",
    "uhan_no_sc": "UHAN w/o the user shortcut (Table 4, eq. 21 removed).",
    "uhan_no_user": "UHAN w/o the user embedding (Table 4).",
    "uhan_no_v": "UHAN w/o the visual modality (Table 4).",
    "uhan_no_t": "UHAN w/o the textual modality (Table 4).",
}
DSN_DESCRIPTIONS = {
    "dsn": "DSN (paper 004 §3): CLIP adapters (α 0.2, β 0.6), hierarchical category "
    "embedding, temporal fusion over the previous posts (l = 8), user features; MSE.",
    "dsn_l1": "DSN with a window of l = 1 (Table 3): the target post alone.",
    "dsn_l4": "DSN with a window of l = 4 (Table 3).",
    "dsn_l16": "DSN with a window of l = 16 (Table 3).",
    "dsn_no_short": "DSN w/o short-term dependency (Table 7): no LSTM and gating.",
    "dsn_no_long": "DSN w/o long-term dependency (Table 7): no multi-head attention.",
}
PAPER001_RETWEETS = ("paper001", "log_retweets")

REGRESSION_MODEL_SPECS: tuple[RegressionModelSpec, ...] = (
    RegressionModelSpec(
        name="hybrid_cnn_retweets",
        description="Hybrid CNN (paper 001 §3) on 64x64 pixels plus followers and hours "
        "elapsed, regressing log1p(retweets).",
        config=configs.HybridCnnModelConfig,
        fit=_fit_hybrid_cnn,
        registered=PAPER001_RETWEETS,
        targets=("log_retweets",),
        feature_deps=(),
    ),
    RegressionModelSpec(
        name="hybrid_cnn_likes",
        description="Hybrid CNN (paper 001 §3) regressing log1p(likes).",
        config=configs.HybridCnnModelConfig,
        fit=_fit_hybrid_cnn,
        registered=("paper001", "log_likes"),
        targets=("log_likes",),
        feature_deps=(),
    ),
    *(_uhan(name, UHAN_DESCRIPTIONS[name]) for name in UHAN_VARIANTS),
    *(_dsn(name, DSN_DESCRIPTIONS[name]) for name in DSN_VARIANTS),
    _baseline(
        "hisave",
        "HisAve (paper 002 §4.1.3): the author's mean training target.",
        configs.BaselineModelConfig,
        ("paper002", "popularity_score"),
        feature_deps=(),
    ),
    _baseline(
        "svr_image",
        "SVR on the CLIP image embedding plus followers and hours elapsed (paper 001's "
        "Inception+SVR).",
        configs.SvrModelConfig,
        PAPER001_RETWEETS,
    ),
    _baseline(
        "svr_bow",
        "SVR on the caption's binary bag of words plus the side signals (paper 001).",
        configs.SvrModelConfig,
        PAPER001_RETWEETS,
        feature_deps=(),
    ),
    _baseline(
        "svr_wordemb",
        "SVR on the caption's mean word vector plus the side signals (paper 001's GloVe).",
        configs.SvrModelConfig,
        PAPER001_RETWEETS,
        feature_deps=(),
    ),
    _baseline(
        "gbdt",
        "Gradient-boosted trees on every tabular and embedding feature (paper 004 §4.4).",
        configs.GbdtModelConfig,
        ("paper004", "popularity_score"),
    ),
)
REGRESSION_MODELS = tuple(spec.name for spec in REGRESSION_MODEL_SPECS)
assert all(t in POPULARITY_TARGETS for s in REGRESSION_MODEL_SPECS for t in s.targets)
