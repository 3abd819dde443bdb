"""One line per failed expectation, from the JSON summary a check stores in its metadata.

Kept free of Great Expectations imports so the ``pop`` command line can print check failures
without loading GX.
"""

from collections.abc import Mapping, Sequence
from typing import Any

# The metadata key under which a check lists its failed expectations (read by ``pop run``).
FAILED_EXPECTATIONS_KEY = "failed_expectations"


def _shown(values: Sequence[Any]) -> str:
    return ", ".join("null" if value is None else str(value) for value in values)


def failed_expectation_line(summary: Mapping[str, Any]) -> str:
    """E.g. ``expect_column_values_to_be_between(created_at): 1 unexpected (0.2 %), e.g.
    tweet_id 123`` for a summary written by ``ExpectationOutcome.summary``."""
    column = summary.get("column")
    line = f"{summary['expectation']}({column})" if column else str(summary["expectation"])
    count = summary.get("unexpected_count")
    if count is None:
        observed = summary.get("observed_value")
        return f"{line}: observed {observed}" if observed is not None else line
    percent = summary.get("unexpected_percent")
    line += f": {count} unexpected" + (f" ({percent:.3g} %)" if percent is not None else "")
    ids = summary.get("example_ids") or []
    values = summary.get("example_values") or []
    if ids:
        line += f", e.g. {summary.get('id_column') or 'id'} {_shown(ids)}"
    elif values:
        line += f", e.g. values {_shown(values)}"
    return line
