"""Turn a Great Expectations outcome into a Dagster asset-check result."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

from pop_pipeline.quality.failure_lines import FAILED_EXPECTATIONS_KEY
from pop_pipeline.quality.gx_validation import SuiteOutcome


def suite_check_result(
    outcome: SuiteOutcome,
    *,
    asset_key: str | None = None,
    check_name: str | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """Passed only if every expectation passed; ERROR severity so a blocking check stops.

    The metadata lists each failed expectation (type, column, unexpected count and percent, a few
    offending ids) as JSON under ``failed_expectations``. ``asset_key`` and ``check_name`` are
    needed when an asset yields the result for one of its own ``check_specs``.
    """
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
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
            FAILED_EXPECTATIONS_KEY: dg.MetadataValue.json(
                [failed.summary() for failed in outcome.failed]
            ),
            "results": dg.MetadataValue.md(outcome.markdown()),
            **(extra_metadata or {}),
        },
    )
