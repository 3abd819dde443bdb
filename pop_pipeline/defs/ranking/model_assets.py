"""Trained retweet-ranking models: one asset per spec of ``model_specs``, built by one factory.

Each asset trains its model once per split its config lists (AMNL protocol fractions, and the
D-Sempre protocol's split), logs each as its own MLflow run with the samplers' parameters,
stores the test scores for ``ranking_metrics`` and registers one run — the largest AMNL
fraction's, or the D-Sempre run for D-Sempre — as a new version of ``pop-<model>`` through the
champion/challenger gate. Training itself is a plain function of the spec
(:mod:`pop_pipeline.ranking.fit.model_fits`).
"""

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict

import dagster as dg

from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.progress import epoch_logger
from pop_pipeline.defs.ranking.model_configs import RankingModelConfig
from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS, RankingModelSpec
from pop_pipeline.defs.ranking.publishing import (
    MODELS_GROUP,
    RankingRun,
    finish_ranking_run,
    runs_markdown,
)
from pop_pipeline.defs.resources import ArtifactsResource, DuckDBResource, MlflowResource
from pop_pipeline.ml.clip.factory import resolve_device
from pop_pipeline.ranking.data.ranking_data import dsempre_train_fraction, load_ranking_data
from pop_pipeline.ranking.fit.model_fits import RankingInputs
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, DSEMPRE_PROTOCOL
from pop_pipeline.registry.model_code import model_code_path
from pop_pipeline.storage.duckdb_store import DuckDBStore

RANKING_DEPS = [
    "followee_negative_triplets",
    "ranking_test_candidates",
    "time_aware_negative_triplets",
    "dsempre_test_candidates",
    "tweet_embeddings",
]


def planned_runs(
    spec: RankingModelSpec, config: RankingModelConfig, store: DuckDBStore
) -> tuple[list[tuple[str, float]], tuple[str, float]]:
    """``(runs, registered)``: the (protocol, train fraction) of every run, in order, and the
    one to register — the largest AMNL fraction, or the D-Sempre run for D-Sempre models."""
    runs = [(AMNL_PROTOCOL, float(f)) for f in sorted(set(config.train_fractions))]
    if config.dsempre_protocol:
        runs.append((DSEMPRE_PROTOCOL, dsempre_train_fraction(store)))
    if not runs:
        raise ValueError(f"{spec.name}: no train_fractions and dsempre_protocol off: nothing to do")
    preferred = [run for run in runs if run[0] == spec.registered_protocol]
    return runs, (preferred or runs)[-1]


def _on_epoch_end(log: Callable[[int, float, float | None], None]) -> Callable[[int, float], None]:
    """The trainers' ``on_epoch_end(epoch, loss)`` (epochs from 0) onto the epoch logger."""
    return lambda epoch, loss: log(epoch + 1, loss, None)


def build_ranking_model_asset(spec: RankingModelSpec) -> dg.AssetsDefinition:
    """The ``<name>_model`` asset of one spec (config class, deps and pool from the spec)."""

    @dg.asset(
        name=spec.asset_name,
        description=spec.description,
        group_name=MODELS_GROUP,
        kinds={"pytorch", "mlflow"} if spec.pool == "gpu" else {"pandas", "mlflow"},
        deps=[*RANKING_DEPS, *spec.feature_deps],
        pool=spec.pool,
        op_tags=GPU_OP_TAGS if spec.pool == "gpu" else None,
    )
    def ranking_model(
        context: dg.AssetExecutionContext,
        config: spec.config,  # type: ignore[valid-type]  (one config class per spec)
        duckdb: DuckDBResource,
        mlflow_tracking: MlflowResource,
        artifacts: ArtifactsResource,
    ) -> dg.MaterializeResult:
        started = time.perf_counter()
        store = duckdb.store()
        params = spec.training_params(config)
        device = resolve_device()
        encoder_dir = store.query("SELECT package_dir FROM clip_encoder").iloc[0, 0]
        runs, registered = planned_runs(spec, config, store)
        mlflow_tracking.configure()
        finished: list[RankingRun] = []
        for protocol, fraction in runs:
            run_started = time.perf_counter()
            data = load_ranking_data(store, fraction, protocol)
            label = f"{spec.name} {protocol}@{fraction:.2f}"
            context.log.info(f"{label}: {len(data.triplet_users)} training triplets")
            fitted = spec.fit(
                RankingInputs(store, data),
                params,
                device,
                _on_epoch_end(epoch_logger(context, label, getattr(params, "epochs", None))),
            )
            folder = artifacts.path("models", spec.name, f"{protocol}-{fraction:.2f}")
            fitted.save(folder)
            is_registered = (protocol, fraction) == registered
            if fitted.bundles_clip and is_registered:  # the pyfunc encodes raw tweets
                shutil.copytree(encoder_dir, folder / "clip", dirs_exist_ok=True)
            finished.append(
                finish_ranking_run(
                    context,
                    store=store,
                    model_name=spec.name,
                    data=data,
                    test_scores=fitted.test_scores,
                    model_code=model_code_path(spec.pyfunc),
                    package_dir=folder,
                    params={**asdict(params), **fitted.metadata},
                    epoch_losses=fitted.losses,
                    seconds=time.perf_counter() - run_started,
                    register=is_registered,
                )
            )
        published = next(run for run in finished if run.decision is not None)
        assert published.decision is not None
        return dg.MaterializeResult(
            metadata={
                "runs": dg.MetadataValue.md(runs_markdown(finished)),
                **{f"test_{name}": float(value) for name, value in published.metrics.items()},
                "registered_run": published.label,
                "mlflow_run_id": published.run_id,
                "mlflow_run_ids": dg.MetadataValue.json({r.label: r.run_id for r in finished}),
                **published.decision.as_metadata(),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )

    return ranking_model


ranking_model_assets = [build_ranking_model_asset(spec) for spec in RANKING_MODEL_SPECS]
