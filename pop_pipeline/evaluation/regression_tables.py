"""The popularity-regression protocols' tables: every model, a random row and an oracle row.

One table per (protocol, target): paper001 (log1p retweets and log1p likes: MedAE, Spearman),
paper002 (popularity score: MSE, MAE), paper004 (popularity score: MAE, Spearman).

``random`` predicts the training mean for every test tweet (Spearman 0 by the metric's tie
rule); ``oracle`` predicts the world's expected value of the target
(``WorldOracle.expected_popularity``: the Monte Carlo mean over re-simulated cascades), the
noise floor no model can beat in expectation. Each value also gets the oracle-normalised score
``(model − random) / (oracle − random)`` (0 = random, 1 = oracle). The random and oracle rows
are computed on every test tweet some model predicted; each model on the test tweets it
predicted (the same set unless the feature assembly quarantined some).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pop_pipeline.evaluation.metrics_tables import ORACLE, RANDOM, long_rows, metrics_markdown
from pop_pipeline.ml.metrics.regression import regression_metrics
from pop_pipeline.regression.protocols import PROTOCOLS

TASK = "popularity_regression"
METRIC_LABELS = {"medae": "MedAE", "spearman": "Spearman", "mse": "MSE", "mae": "MAE"}
TABLE_COLUMNS = (
    "model",
    "task",
    "protocol",
    "target",
    "train_fraction",
    "metric",
    "value",
    "normalised",
)


def regression_metrics_table(
    predictions: pd.DataFrame,
    truth: pd.Series,
    train_mean: float,
    oracle: pd.Series | None,
    *,
    protocol: str,
    target: str,
    train_fraction: float,
    metrics: Sequence[str],
) -> pd.DataFrame:
    """Long table (``TABLE_COLUMNS``) of one protocol and target.

    Args:
        predictions: model, tweet_id, prediction (test tweets).
        truth: the target of every test tweet, indexed by tweet_id.
        train_mean: the mean training target (the random row's prediction).
        oracle: the oracle's expected target, indexed by tweet_id; None without an oracle.

    Raises:
        KeyError: a prediction or the oracle misses a test tweet's value.
    """
    evaluated = pd.Index(predictions["tweet_id"].astype(str).unique())
    y = truth.loc[evaluated].to_numpy(dtype=float)
    values: dict[str, dict[str, float]] = {
        RANDOM: regression_metrics(y, [train_mean] * len(y), metrics)
    }
    if oracle is not None:
        values[ORACLE] = regression_metrics(y, oracle.loc[evaluated].to_numpy(float), metrics)
    for model, frame in predictions.groupby("model", sort=True):
        ids = frame["tweet_id"].astype(str)
        values[str(model)] = regression_metrics(
            truth.loc[ids].to_numpy(float), frame["prediction"].to_numpy(float), metrics
        )
    return long_rows(
        values, task=TASK, protocol=protocol, target=target, train_fraction=train_fraction
    )[list(TABLE_COLUMNS)]


def regression_markdown_table(table: pd.DataFrame, main_metric: str | None = None) -> str:
    """Models as rows, best on ``main_metric`` (default: the protocol's) first, oracle and
    random last; metrics in the paper's order (the protocol's), then their oracle-normalised
    values."""
    present = list(dict.fromkeys(table["metric"]))
    protocol = PROTOCOLS.get(str(table["protocol"].iloc[0])) if len(table) else None
    order = list(protocol.metrics) if protocol is not None else []
    metrics = [m for m in order if m in present] + [m for m in present if m not in order]
    if main_metric is None and protocol is not None and protocol.main_metric in present:
        main_metric = protocol.main_metric
    key = main_metric or metrics[-1]
    return metrics_markdown(
        table, metrics, METRIC_LABELS, sort_by=key, ascending=key in ("medae", "mse", "mae")
    )
