"""The code location: every definition under ``pop_pipeline/defs/``, loaded by folder.

``POP_EXECUTOR=k8s`` makes ``dagster_k8s.k8s_job_executor`` the default executor (each step in
its own Kubernetes pod; GPU steps placed by the op tags of :mod:`pop_pipeline.defs.gpu`; see
docs/KUBERNETES.md). Unset, Dagster's default multiprocess executor runs the steps.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

import pop_pipeline.settings  # noqa: F401  (turns telemetry off before anything else loads)

EXECUTOR_ENV = "POP_EXECUTOR"
EXECUTORS = ("k8s",)  # values POP_EXECUTOR may take; unset or empty means Dagster's default


def default_executor() -> dg.ExecutorDefinition | None:
    """The executor ``POP_EXECUTOR`` names, or ``None`` for Dagster's default."""
    name = os.environ.get(EXECUTOR_ENV, "").strip().lower()
    if not name:
        return None
    if name == "k8s":
        from dagster_k8s import k8s_job_executor  # the optional `k8s` extra

        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={name!r}: expected one of {EXECUTORS} or unset")


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
    executor = default_executor()
    if executor is None:
        return loaded
    return dg.Definitions.merge(loaded, dg.Definitions(executor=executor))
