"""The regression metrics asset: paper001, paper002 and paper004 tables, random and oracle rows."""

import time

import dagster as dg
import pandas as pd

from pop_pipeline.defs.evaluation.tables_report import log_tables_run, tables_metadata
from pop_pipeline.defs.regression.data_assets import SPLITS_TABLE, TARGETS_TABLE
from pop_pipeline.defs.regression.model_assets import PREDICTIONS_TABLE
from pop_pipeline.defs.regression.model_specs import REGRESSION_MODEL_SPECS
from pop_pipeline.defs.resources import DuckDBResource, MlflowResource, RawDataResource
from pop_pipeline.evaluation.regression_tables import (
    TASK,
    regression_markdown_table,
    regression_metrics_table,
)
from pop_pipeline.regression.data.popularity_targets import POPULARITY_TARGETS
from pop_pipeline.regression.protocols import PROTOCOLS
from pop_pipeline.settings import get_settings
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.world.oracle import WorldOracle

METRICS_TABLE = "metrics"
# Measured on demo: 18 ms per tweet at 32 draws on an idle core (3.7 s per 200 tweets), and
# 161.6 s for demo's 1,750 test tweets at 32 draws on a busy shared 2-core CPU; 16 draws halve
# that and keep the Monte Carlo standard error of the oracle's mean at 1/4 of one draw's.
DEFAULT_ORACLE_DRAWS = 16


class RegressionMetricsConfig(dg.Config):
    """The oracle's Monte Carlo draws per tweet."""

    oracle_draws: int = DEFAULT_ORACLE_DRAWS


def ensure_target_column(store: DuckDBStore) -> None:
    """The ``metrics`` table gained ``target`` with the regression tables (NULL for ranking)."""
    if store.has_table(METRICS_TABLE):
        with store.connect() as connection:
            connection.execute(
                f"ALTER TABLE {METRICS_TABLE} ADD COLUMN IF NOT EXISTS target VARCHAR"
            )


def train_fraction(protocol: str) -> float:
    ratio = PROTOCOLS[protocol].ratio
    return ratio[0] / sum(ratio)


def table_key(protocol: str, target: str) -> str:
    return f"{protocol}_{target}"


@dg.asset(
    group_name="evaluation",
    kinds={"duckdb", "mlflow"},
    deps=[*(spec.name for spec in REGRESSION_MODEL_SPECS), TARGETS_TABLE, SPLITS_TABLE],
    pool="duckdb",
)
def regression_metrics(
    context: dg.AssetExecutionContext,
    config: RegressionMetricsConfig,
    duckdb: DuckDBResource,
    raw_data: RawDataResource,
    mlflow_tracking: MlflowResource,
) -> dg.MaterializeResult:
    """The popularity tables of papers 001 (retweets, likes: MedAE, Spearman), 002 (MSE, MAE) and
    004 (MAE, Spearman) for every model plus ``random`` (training mean) and ``oracle`` (the
    world's expected popularity), with oracle-normalised scores. Stored in ``metrics`` (task
    ``popularity_regression``; columns protocol and target tell the tables apart), logged to
    MLflow, shown here as markdown. Real data has no oracle row."""
    store = duckdb.store()
    targets = store.table(TARGETS_TABLE)
    targets = targets.set_index(targets["tweet_id"].astype(str))
    splits = store.query(f"SELECT protocol, tweet_id, split FROM {SPLITS_TABLE}")
    predictions = store.table(PREDICTIONS_TABLE)
    predictions["tweet_id"] = predictions["tweet_id"].astype(str)
    oracle_dir = raw_data.oracle_dir(str(get_settings().home / "cache"))
    oracle_frame = None
    oracle_seconds = 0.0
    if oracle_dir is None:
        context.log.warning("no oracle/ folder in the raw data: the tables have no oracle row")
    else:
        started = time.perf_counter()
        ids = sorted(set(predictions["tweet_id"]))
        oracle_frame = WorldOracle.load(oracle_dir).expected_popularity(
            ids, n_draws=config.oracle_draws
        )
        oracle_frame = oracle_frame.set_index(oracle_frame["tweet_id"].astype(str))
        oracle_seconds = time.perf_counter() - started
        context.log.info(
            f"oracle: {len(ids)} tweets x {config.oracle_draws} draws in {oracle_seconds:.1f} s"
        )
    ensure_target_column(store)
    tables, markdown = [], {}
    for protocol, definition in PROTOCOLS.items():
        train_ids = splits[(splits["protocol"] == protocol) & (splits["split"] == "train")]
        for target in definition.targets:
            part = predictions[
                (predictions["protocol"] == protocol) & (predictions["target"] == target)
            ]
            if part.empty:
                context.log.warning(f"no model predicted {protocol}/{target}: no table")
                continue
            oracle = None
            if oracle_frame is not None:
                oracle = oracle_frame[POPULARITY_TARGETS[target].oracle_column]
            table = regression_metrics_table(
                part,
                targets[target],
                float(targets.loc[train_ids["tweet_id"].astype(str), target].mean()),
                oracle,
                protocol=protocol,
                target=target,
                train_fraction=train_fraction(protocol),
                metrics=definition.metrics,
            )
            store.replace_rows(
                METRICS_TABLE, table, where={"task": TASK, "protocol": protocol, "target": target}
            )
            key = table_key(protocol, target)
            tables.append(table)
            markdown[key] = regression_markdown_table(table, definition.main_metric)
            context.log.info(f"\n{protocol} / {target}\n\n{markdown[key]}")
    if not tables:
        raise ValueError("no regression model has test predictions")
    every = pd.concat(tables, ignore_index=True)
    report = "\n\n".join(f"### {key}\n\n{text}" for key, text in markdown.items())
    mlflow_tracking.configure()
    run_id = log_tables_run(
        run_name="pop-regression-metrics",
        tags={"pop.task": TASK, "pop.tables": ",".join(markdown)},
        params={"tables": ",".join(markdown), "oracle_draws": config.oracle_draws},
        every=every,
        metric_prefix=lambda row: f"{row.protocol}.{row.target}",
        report=report,
        artifact_stem="regression_metrics",
    )
    return dg.MaterializeResult(
        metadata={
            **tables_metadata(report, markdown, tables),
            "oracle_draws": config.oracle_draws,
            "oracle_seconds": round(oracle_seconds, 1),
            "mlflow_run_id": run_id,
        }
    )
