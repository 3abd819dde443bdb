"""What every ranking-model asset does after training: store test scores, publish, report."""

import time
from pathlib import Path

import dagster as dg
import mlflow
import numpy as np
import pandas as pd

from pop_pipeline.ml.metrics.ranking import ranking_metrics
from pop_pipeline.registry.publish import publish_ranking_model
from pop_pipeline.registry.run_tags import frame_fingerprint
from pop_pipeline.scoring.ranking_input import RANKING_INPUT_COLUMNS
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.training.ranking_data import RankingData

MODELS_GROUP = "models"
AMNL_METRICS = ("p@1", "p@3", "auc")


def finish_ranking_model(
    context: dg.AssetExecutionContext,
    *,
    store: DuckDBStore,
    model_name: str,
    data: RankingData,
    test_scores: np.ndarray,
    python_model: mlflow.pyfunc.PythonModel,
    package_dir: Path,
    params: dict[str, object],
    epoch_losses: list[float],
    started: float,
) -> dg.MaterializeResult:
    scored = data.test[["user_id", "tweet_id", "label"]].assign(score=test_scores)
    metrics = ranking_metrics(scored, AMNL_METRICS)
    store.replace_rows(
        "ranking_scores",
        scored.assign(model=model_name, train_fraction=data.train_fraction),
        where={"model": model_name, "train_fraction": data.train_fraction},
    )
    example = data.test[list(RANKING_INPUT_COLUMNS)].head(5).reset_index(drop=True)
    published = publish_ranking_model(
        model_name=model_name,
        python_model=python_model,
        package_dir=package_dir,
        params={
            **params,
            "train_fraction": data.train_fraction,
            "train_triplets": len(data.triplet_users),
            "users": len(data.user_ids),
        },
        epoch_losses=epoch_losses,
        test_metrics=metrics,
        input_example=example,
        output_example=pd.DataFrame({"score": test_scores[:5].astype(np.float64)}),
        data_version=frame_fingerprint(
            data.test[["user_id", "tweet_id", "label"]], data.train_retweets
        ),
    )
    context.log.info(f"pop-{model_name}: {metrics}; {published.decision.reason}")
    return dg.MaterializeResult(
        metadata={
            **{f"test_{name}": float(value) for name, value in metrics.items()},
            "train_triplets": len(data.triplet_users),
            "final_train_loss": float(epoch_losses[-1]) if epoch_losses else float("nan"),
            "mlflow_run_id": published.run_id,
            **published.decision.as_metadata(),
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
