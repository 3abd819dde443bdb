"""The metrics asset: the AMNL protocol's table for every model, random and oracle."""

import dagster as dg
import mlflow
import numpy as np
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource, MlflowResource, RawDataResource
from pop_pipeline.evaluation.ranking_tables import (
    PROTOCOL,
    markdown_table,
    ranking_metrics_table,
)
from pop_pipeline.registry.publish import mlflow_metric_key
from pop_pipeline.settings import get_settings
from pop_pipeline.world.oracle import WorldOracle

EVALUATION_GROUP = "evaluation"


class RankingMetricsConfig(dg.Config):
    train_fraction: float = 0.8


@dg.asset(
    group_name=EVALUATION_GROUP,
    kinds={"duckdb", "mlflow"},
    deps=["amnl_model", "bpr_model", "popularity_model", "ranking_test_candidates"],
    pool="duckdb",
)
def ranking_metrics(
    context: dg.AssetExecutionContext,
    config: RankingMetricsConfig,
    duckdb: DuckDBResource,
    raw_data: RawDataResource,
    mlflow_tracking: MlflowResource,
) -> dg.MaterializeResult:
    """Precision@1, Precision@3 and AUC (AMNL protocol) of every trained model plus the
    ``random`` and ``oracle`` rows and the oracle-normalised scores; stored in ``metrics``,
    logged to MLflow and shown here as a markdown table. Real data has no oracle row."""
    store = duckdb.store()
    candidates = store.query(
        "SELECT user_id, tweet_id, label, seen_at FROM ranking_test_candidates "
        "WHERE train_fraction = ? ORDER BY user_id, tweet_id",
        [config.train_fraction],
    )
    scores = store.query(
        "SELECT model, user_id, tweet_id, label, score FROM ranking_scores "
        "WHERE train_fraction = ?",
        [config.train_fraction],
    )
    scored_pairs = scores[["user_id", "tweet_id"]].drop_duplicates()
    candidates = candidates.merge(scored_pairs, on=["user_id", "tweet_id"])
    oracle_dir = raw_data.oracle_dir(str(get_settings().home / "cache"))
    oracle = None
    if oracle_dir is not None:
        world_oracle = WorldOracle.load(oracle_dir)

        def oracle(frame: pd.DataFrame) -> np.ndarray:
            return world_oracle.retweet_probability(
                list(frame["user_id"]),
                list(frame["tweet_id"]),
                frame["seen_at"].dt.to_pydatetime(),
            )
    else:
        context.log.warning("no oracle/ folder in the raw data: the table has no oracle row")
    table = ranking_metrics_table(scores, candidates, oracle, train_fraction=config.train_fraction)
    store.replace_rows(
        "metrics", table, where={"protocol": PROTOCOL, "train_fraction": config.train_fraction}
    )
    markdown = markdown_table(table)
    mlflow_tracking.configure()
    with mlflow.start_run(run_name="pop-metrics") as run:
        mlflow.set_tags({"pop.task": "retweet_ranking", "pop.protocol": PROTOCOL})
        mlflow.log_param("train_fraction", config.train_fraction)
        mlflow.log_metrics(
            {
                f"{row.model}.{mlflow_metric_key(row.metric)}": row.value
                for row in table.itertuples()
                if row.value == row.value
            }
        )
        mlflow.log_text(markdown, "ranking_metrics.md")
        mlflow.log_table(table, "ranking_metrics.json")
    context.log.info("\n" + markdown)
    return dg.MaterializeResult(
        metadata={
            "table": dg.MetadataValue.md(markdown),
            "candidates": len(candidates),
            "models": int(scores["model"].nunique()),
            "mlflow_run_id": run.info.run_id,
        }
    )
