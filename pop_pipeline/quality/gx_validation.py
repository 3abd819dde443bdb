"""Run a Great Expectations 1.x suite on a pandas frame and summarise the outcome.

dagster-ge supports only GX < 1.0, so the asset checks call this module directly: an ephemeral
GX context (no files, no network, analytics off), a pandas data source over the frame, one
expectation suite, one validation definition. Each check gets its own context so checks stay
independent and re-runnable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig

__all__ = ["ExpectationOutcome", "SuiteOutcome", "gxe", "validate_frame"]


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict, with what GX counted."""

    expectation: str  # the expectation type, e.g. expect_column_values_to_be_unique
    column: str | None  # the column it ran on, if any
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected: list[Any]  # a few offending values, for the UI


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
            examples = ", ".join(str(value) for value in outcome.partial_unexpected[:3])
            lines.append(
                f"| {outcome.expectation} | {outcome.column or ''} | "
                f"{'yes' if outcome.success else '**no**'} | "
                f"{outcome.unexpected_count if outcome.unexpected_count is not None else ''} | "
                f"{examples} |"
            )
        return "\n".join(lines)


def validate_frame(
    frame: pd.DataFrame, suite_name: str, expectations: list[gxe.Expectation]
) -> SuiteOutcome:
    """Validate ``frame`` against ``expectations`` in a fresh ephemeral GX context."""
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
    result = validation.run(
        batch_parameters={"dataframe": frame}, result_format={"result_format": "SUMMARY"}
    )
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
            )
        )
    return SuiteOutcome(suite=suite_name, rows=len(frame), outcomes=outcomes)
