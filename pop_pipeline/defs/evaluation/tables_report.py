"""What both metrics assets (ranking, regression) publish: one MLflow run, asset metadata."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
import mlflow
import pandas as pd

from pop_pipeline.registry.publish import mlflow_metric_key


def log_tables_run(
    *,
    run_name: str,
    tags: Mapping[str, str],
    params: Mapping[str, object],
    every: pd.DataFrame,
    metric_prefix: Callable[[Any], str],
    report: str,
    artifact_stem: str,
) -> str:
    """One MLflow run holding every (non-NaN) value of ``every`` as metric
    ``<metric_prefix(row)>.<model>.<metric>``, the markdown ``report`` and the long table;
    returns its run id."""
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tags(dict(tags))
        mlflow.log_params(dict(params))
        mlflow.log_metrics(
            {
                f"{metric_prefix(row)}.{row.model}.{mlflow_metric_key(row.metric)}": row.value
                for row in every.itertuples()
                if row.value == row.value
            }
        )
        mlflow.log_text(report, f"{artifact_stem}.md")
        mlflow.log_table(every, f"{artifact_stem}.json")
    return run.info.run_id


def tables_metadata(
    report: str, markdown: Mapping[str, str], tables: Sequence[pd.DataFrame]
) -> dict[str, Any]:
    """The whole report, each table's markdown as ``table_<key>`` and the models per table."""
    return {
        "tables": dg.MetadataValue.md(report),
        **{f"table_{key}": dg.MetadataValue.md(text) for key, text in markdown.items()},
        "models": dg.MetadataValue.json(
            {key: sorted(set(t["model"])) for key, t in zip(markdown, tables, strict=True)}
        ),
    }
