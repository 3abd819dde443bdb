"""The ranking protocols' metrics tables: every model, a random row and an oracle row.

One table per protocol and training fraction: the AMNL protocol (paper 000 Tables I–III:
P@1, P@3, AUC at 60, 70 and 80 %) and the D-Sempre protocol (paper 003 §4.2: P@1/5/10 and
Recall@1/5/10 on each user's most recent actions).

``random`` scores every candidate the same, which under the metrics' tie rule is exactly the
expected value of a uniformly random ranking. ``oracle`` ranks by the world's true retweet
probability at the time of the positive (WORLD.md), computed from the latent truth only. Each
value also gets the oracle-normalised score (model − random) / (oracle − random).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from pop_pipeline.evaluation.metrics_tables import ORACLE, RANDOM, long_rows, metrics_markdown
from pop_pipeline.ml.metrics.ranking import (
    AMNL_METRICS,
    DSEMPRE_METRICS,
    ranking_metrics,
)
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, DSEMPRE_PROTOCOL

TASK = "retweet_ranking"
PROTOCOL_METRICS = {AMNL_PROTOCOL: AMNL_METRICS, DSEMPRE_PROTOCOL: DSEMPRE_METRICS}
METRIC_LABELS = {
    "p@1": "P@1",
    "p@3": "P@3",
    "p@5": "P@5",
    "p@10": "P@10",
    "recall@1": "Recall@1",
    "recall@5": "Recall@5",
    "recall@10": "Recall@10",
    "auc": "AUC",
}

OracleScorer = Callable[[pd.DataFrame], np.ndarray]


def ranking_metrics_table(
    scores: pd.DataFrame,
    candidates: pd.DataFrame,
    oracle: OracleScorer | None,
    *,
    train_fraction: float,
    metrics: Sequence[str] = AMNL_METRICS,
    protocol: str = AMNL_PROTOCOL,
) -> pd.DataFrame:
    """Long table (model, task, protocol, train_fraction, metric, value, normalised).

    ``scores``: model, user_id, tweet_id, label, score (one slice per model);
    ``candidates``: user_id, tweet_id, label, seen_at — the rows every model was scored on.
    """
    values: dict[str, dict[str, float]] = {}
    base = candidates[["user_id", "tweet_id", "label"]]
    values[RANDOM] = ranking_metrics(base.assign(score=0.0), metrics)
    if oracle is not None:
        values[ORACLE] = ranking_metrics(base.assign(score=oracle(candidates)), metrics)
    for model, frame in scores.groupby("model", sort=True):
        values[str(model)] = ranking_metrics(
            frame[["user_id", "tweet_id", "label", "score"]], metrics
        )
    return long_rows(values, task=TASK, protocol=protocol, train_fraction=train_fraction)


def markdown_table(table: pd.DataFrame) -> str:
    """Models as rows (best on the last metric first — AUC, or Recall@10 for D-Sempre —,
    oracle and random last), metrics as columns in the papers' order (P@1, P@3, AUC; P@1/5/10,
    Recall@1/5/10), then their oracle-normalised values."""
    present = list(dict.fromkeys(table["metric"]))
    metrics = [m for m in METRIC_LABELS if m in present] + [
        m for m in present if m not in METRIC_LABELS
    ]
    return metrics_markdown(table, metrics, METRIC_LABELS, sort_by=metrics[-1], ascending=False)
