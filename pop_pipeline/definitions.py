"""The code location: every definition under ``pop_pipeline/defs/``, loaded by folder."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

import pop_pipeline.settings  # noqa: F401  (turns telemetry off before anything else loads)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
