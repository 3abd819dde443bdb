"""Trained popularity-regression models: one asset per spec of ``model_specs``, one factory.

Each asset trains its model once per (protocol, target) its config covers, logs each as its
own MLflow run through :func:`~pop_pipeline.regression.publish.publish_regression_model`,
stores the test predictions in ``regression_predictions`` (model, protocol, target, tweet_id,
prediction) for
``regression_metrics``, and registers the home run as a new version of ``pop-<model>``
through the champion/challenger gate on the protocol's main metric.
"""

import time
from pathlib import Path

import dagster as dg
import pandas as pd

from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.progress import epoch_logger
from pop_pipeline.defs.regression.data_assets import (
    SPLITS_TABLE,
    TARGETS_TABLE,
    VOCABULARIES_TABLE,
)
from pop_pipeline.defs.regression.model_specs import REGRESSION_MODEL_SPECS, RegressionModelSpec
from pop_pipeline.defs.resources import DuckDBResource, MlflowResource
from pop_pipeline.ml.clip.factory import resolve_device
from pop_pipeline.ml.metrics.regression import REGRESSION_METRICS, regression_metrics
from pop_pipeline.registry.run_tags import frame_fingerprint
from pop_pipeline.regression.data.feature_sources import (
    StoredPatchFeatures,
    TweetEmbeddingTable,
)
from pop_pipeline.regression.data.features import (
    CLIP_INPUTS,
    FeatureSources,
    RegressionFeatureConfig,
)
from pop_pipeline.regression.data.new_tweet_inputs import StoredRegressionHistory
from pop_pipeline.regression.data.tweets import load_regression_tweets
from pop_pipeline.regression.data.vocabularies import RegressionVocabularies
from pop_pipeline.regression.fit.torch_models import FittedRegression, RegressionTrainingData
from pop_pipeline.regression.packages import RegressionPackage, training_hours_elapsed
from pop_pipeline.regression.protocols import PROTOCOLS
from pop_pipeline.regression.publish import publish_regression_model
from pop_pipeline.storage.duckdb_store import DuckDBStore

REGRESSION_MODELS_GROUP = "models"
PREDICTIONS_TABLE = "regression_predictions"
# every package ships the stored history (users, posts and their CLIP embeddings) that new
# tweets are looked up in, so every model waits for the embeddings
REGRESSION_DEPS = [TARGETS_TABLE, SPLITS_TABLE, VOCABULARIES_TABLE, "tweet_embeddings"]


class StoredRegressionData:
    """The stored tables every run of one asset reads, loaded once."""

    def __init__(self, store: DuckDBStore, needs_embeddings: bool, needs_patches: bool) -> None:
        self.tweets = load_regression_tweets(store)
        self.targets = store.table(TARGETS_TABLE)
        self.splits = store.query(f"SELECT protocol, tweet_id, split FROM {SPLITS_TABLE}")
        vocabularies = store.table(VOCABULARIES_TABLE)
        self.vocabularies = {
            str(row.protocol): RegressionVocabularies.from_json(row.vocabularies_json)
            for row in vocabularies.itertuples()
        }
        embeddings = TweetEmbeddingTable.from_store(store) if needs_embeddings else None
        patches = StoredPatchFeatures.from_store(store) if needs_patches else None
        self.sources = FeatureSources(embeddings=embeddings, patches=patches, history=self.tweets)

    def data(self, protocol: str, target: str) -> RegressionTrainingData:
        if protocol not in self.vocabularies:
            raise KeyError(f"no vocabularies for {protocol}: materialize {VOCABULARIES_TABLE}")
        split = self.splits[self.splits["protocol"] == protocol]
        return RegressionTrainingData(
            protocol=protocol,
            target=target,
            tweets=self.tweets,
            targets=self.targets.set_index(self.targets["tweet_id"].astype(str))[target],
            splits=split.set_index(split["tweet_id"].astype(str))["split"],
            vocabularies=self.vocabularies[protocol],
            sources=self.sources,
            feature_config=RegressionFeatureConfig(),
        )


def store_predictions(
    store: DuckDBStore, model: str, protocol: str, target: str, fitted: FittedRegression
) -> None:
    """Replace this model's (protocol, target) slice of ``regression_predictions``."""
    frame = pd.DataFrame(
        {
            "model": model,
            "protocol": protocol,
            "target": target,
            "tweet_id": fitted.test_tweet_ids,
            "prediction": fitted.test_predictions,
        }
    )
    store.replace_rows(
        PREDICTIONS_TABLE, frame, where={"model": model, "protocol": protocol, "target": target}
    )


def _epoch_progress(context: dg.AssetExecutionContext, label: str):
    """The training loop's ``progress(EpochLosses)`` onto the epoch logger."""
    log = epoch_logger(context, label, loss_name="train MSE")
    return lambda losses: log(losses.epoch, losses.train_loss, losses.validation_loss)


def _package(
    spec: RegressionModelSpec,
    protocol: str,
    target: str,
    fitted: FittedRegression,
    data: RegressionTrainingData,
    history: StoredRegressionHistory,
    clip_dir: Path | None,
) -> RegressionPackage:
    return RegressionPackage(
        model_name=spec.name,
        protocol=protocol,
        target=target,
        estimator=fitted.estimator,
        estimator_spec=fitted.estimator_spec,
        vocabularies=data.vocabularies,
        feature_config=fitted.feature_config,
        required_inputs=fitted.required_inputs,
        history=history,
        clip_package_dir=clip_dir if set(fitted.required_inputs) & CLIP_INPUTS else None,
        training_hours_elapsed=training_hours_elapsed(data.split_frame("train")),
    )


def runs_markdown(rows: list[dict[str, object]]) -> str:
    """One row per run: protocol, target, its metrics, rows, best epoch, seconds, version."""
    names_ = list(dict.fromkeys(m for row in rows for m in row["metrics"]))  # type: ignore[attr-defined]
    header = [
        "protocol",
        "target",
        *names_,
        "train/val/test",
        "best epoch",
        "seconds",
        "registered",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        metrics: dict[str, float] = row["metrics"]  # type: ignore[assignment]
        counts: dict[str, int] = row["rows"]  # type: ignore[assignment]
        cells = [
            str(row["protocol"]),
            str(row["target"]),
            *(f"{metrics[n]:.4f}" if n in metrics else "" for n in names_),
            "/".join(str(counts.get(s, 0)) for s in ("train", "validation", "test")),
            str(row["best_epoch"]),
            f"{row['seconds']:.1f}",
            str(row["registered"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_regression_model_asset(spec: RegressionModelSpec) -> dg.AssetsDefinition:
    """The asset of one regression spec (config class, deps and pool from the spec)."""

    @dg.asset(
        name=spec.name,
        description=spec.description,
        group_name=REGRESSION_MODELS_GROUP,
        kinds={"pytorch", "mlflow"} if spec.pool == "gpu" else {"scikitlearn", "mlflow"},
        deps=list(dict.fromkeys([*REGRESSION_DEPS, *spec.feature_deps])),
        pool=spec.pool,
        op_tags=GPU_OP_TAGS if spec.pool == "gpu" else None,
    )
    def regression_model(
        context: dg.AssetExecutionContext,
        config: spec.config,  # type: ignore[valid-type]  (one config class per spec)
        duckdb: DuckDBResource,
        mlflow_tracking: MlflowResource,
    ) -> dg.MaterializeResult:
        started = time.perf_counter()
        store = duckdb.store()
        runs = spec.runs(config)
        registered = spec.registered_run(runs)
        stored = StoredRegressionData(
            store,
            needs_embeddings="tweet_embeddings" in spec.feature_deps,
            needs_patches="tweet_patch_features" in spec.feature_deps,
        )
        history = StoredRegressionHistory.from_store(
            store, tweets=stored.tweets, embeddings=stored.sources.embeddings
        )
        clip_dir = None
        if "clip_encoder" in spec.feature_deps or "tweet_patch_features" in spec.feature_deps:
            clip_dir = Path(store.query("SELECT package_dir FROM clip_encoder").iloc[0, 0])
        device = resolve_device()
        mlflow_tracking.configure()
        finished: list[dict[str, object]] = []
        published_main = None
        for protocol, target in runs:
            label = f"{spec.name} {protocol}/{target}"
            data = stored.data(protocol, target)
            fitted = spec.fit(data, config, device, _epoch_progress(context, label))
            if len(fitted.quarantine):
                reasons = fitted.quarantine["reason"].value_counts().to_dict()
                context.log.warning(f"{label}: quarantined tweets {reasons}")
            store_predictions(store, spec.name, protocol, target, fitted)
            protocol_def = PROTOCOLS[protocol]
            metrics = regression_metrics(
                fitted.test_targets, fitted.test_predictions, protocol_def.metrics
            )
            main = protocol_def.main_metric
            is_registered = (protocol, target) == registered
            test_frame = pd.DataFrame(
                {"tweet_id": fitted.test_tweet_ids, "target": fitted.test_targets}
            )
            published = publish_regression_model(
                package=_package(spec, protocol, target, fitted, data, history, clip_dir),
                params={
                    **config.model_dump(exclude={"protocols"}),
                    **fitted.metadata,
                    **{f"rows.{k}": v for k, v in fitted.rows.items()},
                    "quarantined": len(fitted.quarantine),
                    "train_mean": round(fitted.train_mean, 6),
                    "train_seconds": round(fitted.seconds, 1),
                },
                epoch_losses=fitted.epoch_losses,
                validation_losses=fitted.validation_losses,
                test_metrics=metrics,
                main_metric=main,
                higher_is_better=not REGRESSION_METRICS[main].smaller_is_better,
                data_version=frame_fingerprint(test_frame),
                register=is_registered,
                run_name=f"pop-{spec.name}" if is_registered else None,
                extra_tags={"pop.registered": str(is_registered).lower()},
            )
            decision = published.decision
            shown = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
            verdict = decision.reason if decision else "tracked, not registered"
            context.log.info(f"pop-{spec.name} {protocol}/{target}: {shown}; {verdict}")
            if is_registered:
                published_main = (published, metrics, protocol, target, fitted)
            finished.append(
                {
                    "protocol": protocol,
                    "target": target,
                    "metrics": metrics,
                    "rows": fitted.rows,
                    "best_epoch": fitted.best_epoch if fitted.best_epoch is not None else "",
                    "seconds": fitted.seconds,
                    "registered": f"v{decision.version}" if decision else "",
                    "run_id": published.run_id,
                }
            )
        assert published_main is not None
        published, metrics, protocol, target, fitted = published_main
        assert published.decision is not None
        return dg.MaterializeResult(
            metadata={
                "runs": dg.MetadataValue.md(runs_markdown(finished)),
                "registered_run": f"{protocol}/{target}",
                **{f"test_{name}": float(value) for name, value in metrics.items()},
                "rows": dg.MetadataValue.json(fitted.rows),
                "best_epoch": fitted.best_epoch if fitted.best_epoch is not None else -1,
                "mlflow_run_id": published.run_id,
                "mlflow_run_ids": dg.MetadataValue.json(
                    {f"{r['protocol']}/{r['target']}": r["run_id"] for r in finished}
                ),
                **published.decision.as_metadata(),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )

    return regression_model


regression_model_assets = [build_regression_model_asset(spec) for spec in REGRESSION_MODEL_SPECS]
