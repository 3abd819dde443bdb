"""What every ranking-model run does after training: store test scores, track, publish, report."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import numpy as np

from pop_pipeline.ml.metrics.ranking import AMNL_METRICS, DSEMPRE_METRICS, ranking_metrics
from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.model_input import RANKING_INPUT_COLUMNS
from pop_pipeline.ranking.model_output import RowScores, ranking_output
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, DSEMPRE_PROTOCOL
from pop_pipeline.registry.gate import GateDecision
from pop_pipeline.registry.publish import GATE_METRIC, publish_ranking_model
from pop_pipeline.registry.run_tags import frame_fingerprint
from pop_pipeline.storage.duckdb_store import DuckDBStore

MODELS_GROUP = "models"
SCORES_TABLE = "ranking_scores"
# The papers' metrics per protocol; AUC is added to D-Sempre's for the registry gate.
RUN_METRICS = {AMNL_PROTOCOL: AMNL_METRICS, DSEMPRE_PROTOCOL: (*DSEMPRE_METRICS, GATE_METRIC)}


@dataclass(frozen=True)
class RankingRun:
    """One trained model on one protocol's split: an MLflow run, maybe a registered version."""

    protocol: str
    train_fraction: float
    metrics: dict[str, float]
    run_id: str
    decision: GateDecision | None
    seconds: float

    @property
    def label(self) -> str:
        return f"{self.protocol}@{self.train_fraction:.2f}"


def ensure_scores_protocol_column(store: DuckDBStore) -> None:
    """Scores written before the D-Sempre protocol existed are the AMNL protocol's."""
    if store.has_table(SCORES_TABLE):
        with store.connect() as connection:
            connection.execute(
                f"ALTER TABLE {SCORES_TABLE} ADD COLUMN IF NOT EXISTS protocol VARCHAR "
                f"DEFAULT '{AMNL_PROTOCOL}'"
            )


def finish_ranking_run(
    context: dg.AssetExecutionContext,
    *,
    store: DuckDBStore,
    model_name: str,
    data: RankingData,
    test_scores: np.ndarray,
    model_code: Path,
    package_dir: Path,
    params: dict[str, object],
    epoch_losses: list[float],
    seconds: float,
    register: bool,
) -> RankingRun:
    """Store the run's test scores in ``ranking_scores`` (one slice per model, protocol and
    fraction), log one MLflow run with the params, the training and test samplers'
    parameters (``sampler.*``, ``test_sampler.*``), the losses and the test metrics; with
    ``register`` also log the pyfunc (from the file ``model_code``) and register
    ``pop-<model_name>`` through the gate."""
    scored = data.test[["user_id", "tweet_id", "label"]].assign(score=test_scores)
    metrics = ranking_metrics(scored, RUN_METRICS[data.protocol])
    ensure_scores_protocol_column(store)
    store.replace_rows(
        SCORES_TABLE,
        scored.assign(model=model_name, train_fraction=data.train_fraction, protocol=data.protocol),
        where={
            "model": model_name,
            "train_fraction": data.train_fraction,
            "protocol": data.protocol,
        },
    )
    example = data.test[list(RANKING_INPUT_COLUMNS)].head(5).reset_index(drop=True)
    test_sampler = {f"test_{k}": v for k, v in data.test_sampler_params.items()}
    published = publish_ranking_model(
        model_name=model_name,
        model_code=model_code,
        package_dir=package_dir,
        params={
            **params,
            **data.sampler_params,
            **test_sampler,
            "protocol": data.protocol,
            "train_fraction": data.train_fraction,
            "train_triplets": len(data.triplet_users),
            "users": len(data.user_ids),
            "test_candidates": len(data.test),
            "train_seconds": round(seconds, 1),
        },
        epoch_losses=epoch_losses,
        test_metrics=metrics,
        input_example=example,
        output_example=ranking_output(
            example, RowScores(test_scores[: len(example)].astype(np.float64)), known_users=None
        ),
        data_version=frame_fingerprint(
            data.test[["user_id", "tweet_id", "label"]], data.train_retweets
        ),
        register=register,
        run_name=f"pop-{model_name}" if register else None,
        extra_tags={
            "pop.protocol": data.protocol,
            "pop.train_fraction": f"{data.train_fraction:.2f}",
            "pop.registered": str(register).lower(),
        },
    )
    shown = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
    verdict = published.decision.reason if published.decision else "tracked, not registered"
    context.log.info(
        f"pop-{model_name} {data.protocol}@{data.train_fraction:.2f}: {shown}; {verdict}"
    )
    return RankingRun(
        protocol=data.protocol,
        train_fraction=data.train_fraction,
        metrics=metrics,
        run_id=published.run_id,
        decision=published.decision,
        seconds=seconds,
    )


def runs_markdown(runs: list[RankingRun]) -> str:
    """One row per run: protocol, training fraction, its metrics, seconds, registered or not."""
    names = list(dict.fromkeys(name for run in runs for name in run.metrics))
    header = ["protocol", "train fraction", *names, "seconds", "registered"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        cells = [
            run.protocol,
            f"{run.train_fraction:.2f}",
            *(f"{run.metrics[n]:.4f}" if n in run.metrics else "" for n in names),
            f"{run.seconds:.1f}",
            f"v{run.decision.version}" if run.decision else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
