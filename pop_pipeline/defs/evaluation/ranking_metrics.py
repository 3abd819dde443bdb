"""The metrics asset: the AMNL and D-Sempre protocols' tables for every model, random, oracle."""

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from pop_pipeline.defs.evaluation.tables_report import log_tables_run, tables_metadata
from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS
from pop_pipeline.defs.resources import DuckDBResource, MlflowResource, RawDataResource
from pop_pipeline.evaluation.ranking_tables import (
    PROTOCOL_METRICS,
    OracleScorer,
    markdown_table,
    ranking_metrics_table,
)
from pop_pipeline.ranking.protocols import (
    AMNL_PROTOCOL,
    AMNL_TRAIN_FRACTIONS,
    DSEMPRE_PROTOCOL,
    PROTOCOL_TABLES,
)
from pop_pipeline.settings import get_settings
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.world.oracle import WorldOracle

EVALUATION_GROUP = "evaluation"


class RankingMetricsConfig(dg.Config):
    """Which tables to compute (each from the models' stored test scores)."""

    train_fractions: list[float] = list(AMNL_TRAIN_FRACTIONS)  # noqa: RUF012 (AMNL protocol)
    dsempre_protocol: bool = True  # the D-Sempre protocol's table


def _table_key(protocol: str, fraction: float) -> str:
    return f"{protocol}_{fraction:.2f}"


def _protocol_slices(store: DuckDBStore, config: RankingMetricsConfig) -> list[tuple[str, float]]:
    """(protocol, train fraction) of every table to compute: the configured ones that some
    model has scores for."""
    present = store.query("SELECT DISTINCT protocol, train_fraction FROM ranking_scores")
    available = {(str(p), round(float(f), 6)) for p, f in present.itertuples(index=False)}
    wanted = [(AMNL_PROTOCOL, round(float(f), 6)) for f in sorted(set(config.train_fractions))]
    if config.dsempre_protocol:
        wanted += sorted(p for p in available if p[0] == DSEMPRE_PROTOCOL)
    return [slice_ for slice_ in wanted if slice_ in available]


def world_oracle_scorer(oracle_dir: Path | None) -> OracleScorer | None:
    """The oracle row's scorer: the world's true retweet probability of each candidate at the
    time of its positive (``seen_at``); ``None`` without an ``oracle/`` folder (real data)."""
    if oracle_dir is None:
        return None
    world_oracle = WorldOracle.load(oracle_dir)

    def oracle(frame: pd.DataFrame) -> np.ndarray:
        return world_oracle.retweet_probability(
            list(frame["user_id"]),
            list(frame["tweet_id"]),
            frame["seen_at"].dt.to_pydatetime(),
        )

    return oracle


def protocol_table(
    store: DuckDBStore, protocol: str, fraction: float, oracle: OracleScorer | None
) -> tuple[pd.DataFrame, int]:
    """The metrics table of one protocol slice and its number of candidates."""
    candidates = store.query(
        f"SELECT user_id, tweet_id, label, seen_at FROM {PROTOCOL_TABLES[protocol].candidates} "
        "WHERE train_fraction = ? ORDER BY user_id, tweet_id",
        [fraction],
    )
    scores = store.query(
        "SELECT model, user_id, tweet_id, label, score FROM ranking_scores "
        "WHERE protocol = ? AND train_fraction = ?",
        [protocol, fraction],
    )
    scored_pairs = scores[["user_id", "tweet_id"]].drop_duplicates()
    candidates = candidates.merge(scored_pairs, on=["user_id", "tweet_id"])
    table = ranking_metrics_table(
        scores,
        candidates,
        oracle,
        train_fraction=fraction,
        metrics=PROTOCOL_METRICS[protocol],
        protocol=protocol,
    )
    return table, len(candidates)


def _heading(protocol: str, fraction: float) -> str:
    if protocol == DSEMPRE_PROTOCOL:
        return f"D-Sempre protocol (each user's latest {1 - fraction:.0%} of actions are the test)"
    return f"AMNL protocol, {fraction:.0%} of the retweets for training"


@dg.asset(
    group_name=EVALUATION_GROUP,
    kinds={"duckdb", "mlflow"},
    deps=[
        *(spec.asset_name for spec in RANKING_MODEL_SPECS),
        "ranking_test_candidates",
        "dsempre_test_candidates",
    ],
    pool="duckdb",
)
def ranking_metrics(
    context: dg.AssetExecutionContext,
    config: RankingMetricsConfig,
    duckdb: DuckDBResource,
    raw_data: RawDataResource,
    mlflow_tracking: MlflowResource,
) -> dg.MaterializeResult:
    """The papers' tables for every trained model plus the ``random`` and ``oracle`` rows and
    the oracle-normalised scores: the AMNL protocol (P@1, P@3, AUC) at each training fraction
    and the D-Sempre protocol (P@1/5/10, Recall@1/5/10). Stored in ``metrics`` (columns
    ``protocol`` and ``train_fraction`` tell the tables apart), logged to MLflow and shown here
    as markdown tables. Real data has no oracle row."""
    store = duckdb.store()
    oracle_dir = raw_data.oracle_dir(str(get_settings().home / "cache"))
    oracle = world_oracle_scorer(oracle_dir)
    if oracle is None:
        context.log.warning("no oracle/ folder in the raw data: the tables have no oracle row")
    tables, markdown, candidates = [], {}, {}
    for protocol, fraction in _protocol_slices(store, config):
        table, n_candidates = protocol_table(store, protocol, fraction, oracle)
        store.replace_rows(
            "metrics", table, where={"protocol": protocol, "train_fraction": fraction}
        )
        key = _table_key(protocol, fraction)
        tables.append(table)
        markdown[key] = markdown_table(table)
        candidates[key] = n_candidates
        context.log.info(f"\n{_heading(protocol, fraction)}\n\n{markdown[key]}")
    if not tables:
        raise ValueError("no model has test scores for the configured protocols")
    every = pd.concat(tables, ignore_index=True)
    report = "\n\n".join(
        f"### {_heading(*_split_key(key))}\n\n{text}" for key, text in markdown.items()
    )
    mlflow_tracking.configure()
    run_id = log_tables_run(
        run_name="pop-metrics",
        tags={"pop.task": "retweet_ranking", "pop.protocols": ",".join(markdown)},
        params={"tables": ",".join(markdown)},
        every=every,
        metric_prefix=lambda row: f"{row.protocol}.{row.train_fraction:.2f}",
        report=report,
        artifact_stem="ranking_metrics",
    )
    return dg.MaterializeResult(
        metadata={
            **tables_metadata(report, markdown, tables),
            "candidates": dg.MetadataValue.json(candidates),
            "mlflow_run_id": run_id,
        }
    )


def _split_key(key: str) -> tuple[str, float]:
    protocol, fraction = key.rsplit("_", 1)
    return protocol, float(fraction)
