"""Run a Great Expectations 1.x suite on a pandas frame and summarise the outcome.

dagster-ge supports only GX < 1.0, so the asset checks call this module directly: an ephemeral
GX context (no files, no network, analytics off), a pandas data source over the frame, one
expectation suite, one validation definition. Each check gets its own context so checks stay
independent and re-runnable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig

__all__ = ["ExpectationOutcome", "SuiteOutcome", "gxe", "validate_frame"]

MAX_EXAMPLES = 5  # offending ids (and values) kept per failed expectation


def _plain(value: Any) -> str | int | float | bool | None:
    """A JSON-safe form of a GX value: None when missing, numbers and flags kept, else text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _example_ids(details: dict[str, Any], id_column: str | None) -> list[Any]:
    """The id of each offending row GX listed (``partial_unexpected_index_list``)."""
    if id_column is None:
        return []
    rows = details.get("partial_unexpected_index_list") or []
    return [row.get(id_column) if isinstance(row, dict) else row for row in rows][:MAX_EXAMPLES]


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict, with what GX counted."""

    expectation: str  # the expectation type, e.g. expect_column_values_to_be_unique
    column: str | None  # the column it ran on, if any
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected: list[Any]  # a few offending values, for the UI
    id_column: str | None = None  # the column that names a row (tweet_id, user_id), if given
    unexpected_ids: list[Any] = field(default_factory=list)  # a few offending rows' ids
    observed_value: Any = None  # what a table-level expectation saw (a row count)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready record of this verdict, for check metadata and the CLI."""
        return {
            "expectation": self.expectation,
            "column": self.column,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": (
                None if self.unexpected_percent is None else round(self.unexpected_percent, 4)
            ),
            "id_column": self.id_column,
            "example_ids": [_plain(value) for value in self.unexpected_ids[:MAX_EXAMPLES]],
            "example_values": [_plain(value) for value in self.partial_unexpected[:MAX_EXAMPLES]],
            "observed_value": _plain(self.observed_value),
        }


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    def markdown(self) -> str:
        lines = ["| expectation | column | ok | unexpected | examples |", "|---|---|---|---|---|"]
        for outcome in self.outcomes:
            shown = outcome.unexpected_ids or outcome.partial_unexpected
            examples = ", ".join(str(value) for value in shown[:3])
            lines.append(
                f"| {outcome.expectation} | {outcome.column or ''} | "
                f"{'yes' if outcome.success else '**no**'} | "
                f"{outcome.unexpected_count if outcome.unexpected_count is not None else ''} | "
                f"{examples} |"
            )
        return "\n".join(lines)


def validate_frame(
    frame: pd.DataFrame,
    suite_name: str,
    expectations: list[gxe.Expectation],
    *,
    id_column: str | None = None,
) -> SuiteOutcome:
    """Validate ``frame`` against ``expectations`` in a fresh ephemeral GX context.

    With ``id_column``, each failed column expectation also names a few offending rows by that
    column (GX's ``unexpected_index_column_names``), so an operator can look them up.
    """
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name=f"{suite_name}_source")
    asset = source.add_dataframe_asset(name=f"{suite_name}_frame")
    batch_definition = asset.add_batch_definition_whole_dataframe(f"{suite_name}_batch")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}_validation", data=batch_definition, suite=suite)
    )
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": MAX_EXAMPLES,
    }
    if id_column is not None:
        result_format["unexpected_index_column_names"] = [id_column]
    result = validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=bool(item.success),
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                partial_unexpected=list(details.get("partial_unexpected_list") or [])[:10],
                id_column=id_column,
                unexpected_ids=_example_ids(details, id_column),
                observed_value=details.get("observed_value"),
            )
        )
    return SuiteOutcome(suite=suite_name, rows=len(frame), outcomes=outcomes)
