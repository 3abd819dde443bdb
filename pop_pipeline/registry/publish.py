"""Log a trained model to MLflow as one run and register it through the gate.

:func:`publish_model` is the run every published model gets; :func:`publish_ranking_model`
gates on the test AUC, the regression models (:mod:`pop_pipeline.regression.packages`)
on their protocol's main metric. Models are logged from code
(:mod:`pop_pipeline.registry.model_code`): the pyfunc is a Python file, its weights and
parameters the ``package`` artifact, so loading one never unpickles anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature, infer_signature

from pop_pipeline.registry.clip_pyfunc import ClipEncoderPyfunc
from pop_pipeline.registry.gate import GateDecision, register_with_gate
from pop_pipeline.registry.model_code import PACKAGE_ARTIFACT, model_code_path
from pop_pipeline.registry.run_tags import code_version, pip_requirements

GATE_METRIC = "auc"


def mlflow_metric_key(name: str) -> str:
    """MLflow keys allow no ``@``: ``p@1`` becomes ``p_at_1``."""
    return name.replace("@", "_at_")


def log_clip_encoder(package_dir: Path) -> str:
    """Log the CLIP encoder package as a pyfunc model (from code) in the active run; its
    ``runs:/`` model URI. The ``clip_encoder`` asset registers it as ``pop-clip``."""
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(model_code_path(ClipEncoderPyfunc)),
        artifacts={PACKAGE_ARTIFACT: str(package_dir)},
        pip_requirements=pip_requirements(),
    )
    return info.model_uri


@dataclass(frozen=True)
class PublishedModel:
    run_id: str
    model_uri: str | None  # runs:/ URI of the logged model; None when only tracked
    decision: GateDecision | None  # None when the run is not registered


def publish_ranking_model(
    *,
    model_name: str,
    model_code: Path,
    package_dir: Path,
    params: dict[str, object],
    epoch_losses: list[float],
    test_metrics: dict[str, float],
    input_example: pd.DataFrame,
    output_example: pd.DataFrame,
    data_version: str,
    register: bool = True,
    run_name: str | None = None,
    extra_tags: dict[str, str] | None = None,
) -> PublishedModel:
    """One MLflow run: params, per-epoch loss (one batched call), test metrics, the pyfunc
    model with its signature; then ``pop-<model_name>`` gets a new version and the gate runs
    on the test AUC.

    With ``register=False`` the run is tracked (params, losses, metrics) but logs no model and
    touches no registered model: the runs on the other training fractions of a protocol.
    """
    return publish_model(
        model_name=model_name,
        model_code=model_code,
        package_dir=package_dir,
        params=params,
        epoch_losses=epoch_losses,
        test_metrics=test_metrics,
        gate_metric=GATE_METRIC,
        higher_is_better=True,
        signature=infer_signature(input_example, output_example),
        input_example=input_example,
        data_version=data_version,
        register=register,
        run_name=run_name,
        extra_tags=extra_tags,
    )


def publish_model(
    *,
    model_name: str,
    model_code: Path,
    package_dir: Path,
    params: dict[str, object],
    epoch_losses: list[float],
    test_metrics: dict[str, float],
    gate_metric: str,
    higher_is_better: bool,
    signature: ModelSignature,
    input_example: pd.DataFrame | None,
    data_version: str,
    register: bool = True,
    run_name: str | None = None,
    extra_tags: dict[str, str] | None = None,
    validation_losses: list[float] | None = None,
) -> PublishedModel:
    """The run every published model (ranking or regression) gets.

    Params, the per-epoch ``train_loss`` (and ``validation_loss``, when given) in batched
    calls, the test metrics as ``test_<name>``; with ``register`` the pyfunc model from code
    (``model_code``, a file of :mod:`pop_pipeline.registry.model_code`; the package folder as
    its ``package`` artifact, ``signature``, ``input_example``) and a new version of
    ``pop-<model_name>`` through the gate on ``test_metrics[gate_metric]``. The run and the
    version carry the tags ``pop.model``, ``pop.code_version``, ``pop.data_version`` and
    ``extra_tags``.
    """
    registered_name = f"pop-{model_name}"
    tags = {
        "pop.model": model_name,
        "pop.code_version": code_version(),
        "pop.data_version": data_version,
        **(extra_tags or {}),
    }
    with mlflow.start_run(run_name=run_name or registered_name) as run:
        mlflow.set_tags(tags)
        mlflow.log_params(params)
        client = mlflow.MlflowClient()
        now = int(time.time() * 1000)
        losses = [
            mlflow.entities.Metric(key, float(v), now, step)
            for key, values in (
                ("train_loss", epoch_losses),
                ("validation_loss", validation_losses or []),
            )
            for step, v in enumerate(values)
        ]
        client.log_batch(run.info.run_id, metrics=losses)  # the client splits large batches
        mlflow.log_metrics({f"test_{mlflow_metric_key(k)}": v for k, v in test_metrics.items()})
        if not register:
            return PublishedModel(run_id=run.info.run_id, model_uri=None, decision=None)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(model_code),
            artifacts={PACKAGE_ARTIFACT: str(package_dir)},
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements(),
        )
    decision = register_with_gate(
        model_uri=info.model_uri,
        model_name=registered_name,
        metric=gate_metric,
        value=test_metrics[gate_metric],
        higher_is_better=higher_is_better,
        tags={**tags, "pop.run_id": run.info.run_id},
    )
    return PublishedModel(run_id=run.info.run_id, model_uri=info.model_uri, decision=decision)
