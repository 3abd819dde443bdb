"""The shape every metrics table shares, ranking and regression alike.

Long rows (one per model and metric, with the oracle-normalised value: 0 = the ``random`` row,
1 = the ``oracle`` row) as stored in DuckDB's ``metrics``, and their markdown in the papers'
layout: models as rows, sorted on one metric, ``oracle`` and ``random`` last; the metrics as
columns in the given order, then the same metrics' oracle-normalised values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from pop_pipeline.ml.metrics.oracle_normalised import oracle_normalised

RANDOM = "random"
ORACLE = "oracle"


def long_rows(values: Mapping[str, Mapping[str, float]], **columns: object) -> pd.DataFrame:
    """One row per (model, metric) of ``values`` (model → metric → value): ``columns`` (task,
    protocol, …) then model, metric, value and the oracle-normalised value (NaN without an
    ``oracle`` entry)."""
    rows = []
    for model, by_metric in values.items():
        for metric, value in by_metric.items():
            normalised = (
                oracle_normalised(value, values[RANDOM][metric], values[ORACLE][metric])
                if ORACLE in values
                else float("nan")
            )
            rows.append(
                {
                    "model": model,
                    **columns,
                    "metric": metric,
                    "value": float(value),
                    "normalised": float(normalised),
                }
            )
    return pd.DataFrame(rows)


def metrics_markdown(
    table: pd.DataFrame,
    metrics: Sequence[str],
    labels: Mapping[str, str],
    *,
    sort_by: str,
    ascending: bool,
) -> str:
    """``table`` (long: model, metric, value, normalised) as a markdown table."""
    wide = table.pivot_table(index="model", columns="metric", values="value", dropna=False)
    norm = table.pivot_table(index="model", columns="metric", values="normalised", dropna=False)
    special = [m for m in (ORACLE, RANDOM) if m in wide.index]
    ordered = wide.sort_values(sort_by, ascending=ascending).index
    models = [m for m in ordered if m not in special]
    header = [
        "model",
        *(labels.get(m, m) for m in metrics),
        *(f"{labels.get(m, m)} (norm.)" for m in metrics),
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model in [*models, *special]:
        cells = [f"{wide.loc[model, m]:.4f}" for m in metrics]
        cells += [normalised_cell(norm.loc[model, m]) for m in metrics]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def normalised_cell(value: float) -> str:
    """Three decimals, blank for NaN, never ``-0.000``."""
    return "" if value != value else f"{round(float(value), 3) + 0.0:.3f}"
