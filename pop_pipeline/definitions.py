"""The code location: every definition under ``pop_pipeline/defs/``, loaded by folder.

``POP_EXECUTOR`` chooses how a run executes its steps:

Both local executors hold a run lease (:mod:`pop_pipeline.runs.leases`) while they orchestrate
a run, so a run whose process dies is recognised and repaired before the next run starts.

- unset or ``in_process`` (the default): one process runs every step in turn, as ``pop run``
  does. On one machine the steps queue anyway (one DuckDB writer, one GPU: the pools), and a
  run then imports torch, MLflow and GX once instead of once per step (seconds each);
- ``multiprocess``: Dagster's multiprocess executor, a process per step;
- ``k8s``: ``dagster_k8s.k8s_job_executor``, each step in its own Kubernetes pod; GPU steps are
  placed by the op tags of :mod:`pop_pipeline.defs.gpu` (docs/KUBERNETES.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

import pop_pipeline.settings  # noqa: F401  (turns telemetry off before anything else loads)
from pop_pipeline.runs.leased_executor import leased

EXECUTOR_ENV = "POP_EXECUTOR"
EXECUTORS = ("in_process", "multiprocess", "k8s")  # values POP_EXECUTOR may take


def default_executor() -> dg.ExecutorDefinition:
    """The executor ``POP_EXECUTOR`` names (unset or empty: in-process)."""
    name = os.environ.get(EXECUTOR_ENV, "").strip().lower() or "in_process"
    if name == "in_process":
        return leased(dg.in_process_executor)
    if name == "multiprocess":
        return leased(dg.multiprocess_executor)
    if name == "k8s":
        from dagster_k8s import k8s_job_executor  # the optional `k8s` extra

        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={name!r}: expected one of {EXECUTORS} or unset")


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
    return dg.Definitions.merge(loaded, dg.Definitions(executor=default_executor()))
