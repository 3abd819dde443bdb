"""Turn a Great Expectations outcome into a Dagster asset-check result."""

import dagster as dg

from pop_pipeline.quality.gx_validation import SuiteOutcome


def suite_check_result(outcome: SuiteOutcome) -> dg.AssetCheckResult:
    """Passed only if every expectation passed; ERROR severity so a blocking check stops."""
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{outcome.suite}: all {len(outcome.outcomes)} expectations met"
            if outcome.success
            else f"{outcome.suite}: failed "
            + ", ".join(f"{o.expectation}({o.column})" for o in outcome.failed)
        ),
        metadata={
            "rows": outcome.rows,
            "expectations": len(outcome.outcomes),
            "failed": len(outcome.failed),
            "results": dg.MetadataValue.md(outcome.markdown()),
        },
    )
