"""Publishing a regression package: one MLflow run, and with ``register=True`` the registered
``pop-<model>`` model (:class:`~pop_pipeline.regression.pyfunc.RegressionPyfunc`) gated by the
protocol's main metric through the task-neutral :func:`pop_pipeline.registry.publish.publish_model`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from pop_pipeline.registry.model_code import model_code_path
from pop_pipeline.registry.publish import PublishedModel, publish_model
from pop_pipeline.regression.model_input import (
    REGRESSION_INPUT_COLUMNS,
    regression_input_frame,
    regression_signature,
)
from pop_pipeline.regression.packages import REGRESSION_TASK, TASK_TAG, RegressionPackage
from pop_pipeline.regression.pyfunc import RegressionPyfunc


def example_input(package: RegressionPackage, rows: int = 2) -> pd.DataFrame:
    """A registered model's input example: the latest stored tweets of the package's history
    (real photos), or one made-up tweet when it has none (its photo path does not exist: the
    example's output shows the ``media_missing`` quarantine reason)."""
    if package.history is not None and len(package.history.tweets):
        latest = package.history.tweets.sort_values(["created_at", "tweet_id"]).tail(rows)
        example = latest.assign(author_followers_count=latest["author_followers_count"].fillna(0))
    else:
        example = pd.DataFrame(
            [
                {
                    "tweet_id": "1",
                    "author_id": "7",
                    "created_at": "2026-03-01T12:00:00.000Z",
                    "text": "golden hour at the beach #sunset",
                    "media_uri": "/path/to/photo.jpg",
                    "author_followers_count": 120,
                }
            ]
        )
    return regression_input_frame(example[list(REGRESSION_INPUT_COLUMNS)])


def publish_regression_model(
    *,
    package: RegressionPackage,
    params: dict[str, object],
    epoch_losses: list[float],
    validation_losses: list[float],
    test_metrics: dict[str, float],
    main_metric: str,
    higher_is_better: bool,
    data_version: str,
    register: bool = True,
    run_name: str | None = None,
    extra_tags: dict[str, str] | None = None,
    input_example: pd.DataFrame | None = None,
) -> PublishedModel:
    """One MLflow run (params, per-epoch train/validation loss batched, test metrics); with
    ``register=True`` logs the pyfunc model (the package as artifact, signature, input example)
    and registers ``pop-<model_name>`` with the champion/challenger gate on the test
    ``main_metric`` (strictly better by ``higher_is_better`` to move ``champion``).

    The run and the registered version are tagged ``pop.task=regression``, ``pop.protocol``,
    ``pop.target``; ``input_example`` defaults to :func:`example_input`.

    Raises:
        KeyError: ``main_metric`` is not among ``test_metrics``.
    """
    if main_metric not in test_metrics:
        raise KeyError(f"gate metric {main_metric!r} not among test metrics {sorted(test_metrics)}")
    tags = {
        TASK_TAG: REGRESSION_TASK,
        "pop.protocol": package.protocol,
        "pop.target": package.target,
        **(extra_tags or {}),
    }
    with tempfile.TemporaryDirectory(prefix="pop-regression-") as tmp:
        package_dir = Path(tmp) / "package"
        if register:
            package.save(package_dir)
        return publish_model(
            model_name=package.model_name,
            model_code=model_code_path(RegressionPyfunc),
            package_dir=package_dir,
            params={
                **params,
                "protocol": package.protocol,
                "target": package.target,
                "estimator_class": package.estimator_spec["class"],
            },
            epoch_losses=epoch_losses,
            validation_losses=validation_losses,
            test_metrics=test_metrics,
            gate_metric=main_metric,
            higher_is_better=higher_is_better,
            signature=regression_signature(),
            input_example=(
                (input_example if input_example is not None else example_input(package))
                if register
                else None
            ),
            data_version=data_version,
            register=register,
            run_name=run_name,
            extra_tags=tags,
        )
