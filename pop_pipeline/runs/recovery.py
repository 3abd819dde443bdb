"""Crash recovery: runs whose process is gone are failed, their pool slots freed, their MLflow
runs ended as KILLED.

A run killed inside a pooled step (``kill -9``, an out-of-memory kill, a lost machine) leaves its
status ``STARTED`` and its ``duckdb``/``gpu`` slot claimed in the instance; every later run would
wait for that slot forever. :func:`recover_abandoned_runs` runs before each run starts (``pop
run``, the nightly schedule, the raw-drop sensor) and repairs the instance:

1. an unfinished run (``STARTING``, ``STARTED``, ``CANCELING``) whose lease
   (:mod:`pop_pipeline.runs.leases`) was written on this host and is no longer held is reported
   failed, with a message naming the dead process;
2. every pool slot claimed or awaited by a run that is finished, or unknown to the instance, is
   freed (so are the slots of the runs just failed);
3. every MLflow run still ``RUNNING`` whose ``dagster.run_id`` tag names a finished Dagster run is
   ended as ``KILLED``.

Runs without a lease on this host (orchestrated in a Kubernetes pod, say) are left to Dagster's
run monitoring, which the production instance enables (docker/dagster.yaml).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import dagster as dg

from pop_pipeline.runs.leases import (
    LEASE_HOST_TAG,
    LEASE_PID_TAG,
    LEASE_TAG,
    lease_is_held,
    leases_dir,
    remove_stale_leases,
)

DAGSTER_RUN_ID_TAG = "dagster.run_id"  # on every MLflow run a Dagster run starts
UNFINISHED_STATUSES = (
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)


@dataclass
class RecoveryReport:
    """What one recovery pass repaired."""

    failed_runs: list[str] = field(default_factory=list)
    freed_slot_runs: list[str] = field(default_factory=list)
    killed_mlflow_runs: list[str] = field(default_factory=list)
    removed_leases: int = 0

    @property
    def repaired_anything(self) -> bool:
        return bool(self.failed_runs or self.freed_slot_runs or self.killed_mlflow_runs)

    def summary(self) -> str:
        return (
            f"crash recovery: {len(self.failed_runs)} abandoned runs marked failed "
            f"({', '.join(self.failed_runs) or 'none'}), pool slots freed for "
            f"{len(self.freed_slot_runs)} runs, {len(self.killed_mlflow_runs)} MLflow runs "
            "ended as KILLED"
        )


def abandoned_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Unfinished runs whose lease was written on this host and is held by no live process."""
    host = socket.gethostname()
    folder = leases_dir(instance.root_directory)
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=list(UNFINISHED_STATUSES)))
    found = []
    for record in records:
        run = record.dagster_run
        lease = run.tags.get(LEASE_TAG)
        if not lease or run.tags.get(LEASE_HOST_TAG) != host:
            continue
        if not lease_is_held(folder / lease):
            found.append(run)
    return found


def fail_run(instance: dg.DagsterInstance, run: dg.DagsterRun, reason: str) -> None:
    """Report ``run`` failed (``reason`` is the event's message) and free its pool slots."""
    instance.report_run_failed(run, message=reason)
    free_slots(instance, [run.run_id])


def free_slots(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> None:
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return
    for run_id in run_ids:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    """Runs that hold or wait for a slot of any pool."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return set()
    holders: set[str] = set()
    for key in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(key)
        holders.update(slot.run_id for slot in info.claimed_slots)
        holders.update(step.run_id for step in info.pending_steps)
    return holders


def free_slots_of_finished_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free every slot held or awaited by a finished run, or by a run the instance lacks."""
    stale = []
    for run_id in sorted(slot_holders(instance)):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            stale.append(run_id)
    free_slots(instance, stale)
    return stale


def kill_orphaned_mlflow_runs(instance: dg.DagsterInstance, tracking_uri: str) -> list[str]:
    """End as ``KILLED`` every ``RUNNING`` MLflow run whose Dagster run is finished or gone."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_ids = [
        experiment.experiment_id
        for experiment in client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    ]
    if not experiment_ids:
        return []
    running = client.search_runs(
        experiment_ids,
        filter_string=f"attributes.status = 'RUNNING' and tags.`{DAGSTER_RUN_ID_TAG}` != ''",
        max_results=1000,
    )
    killed = []
    for mlflow_run in running:
        dagster_run_id = mlflow_run.data.tags.get(DAGSTER_RUN_ID_TAG)
        dagster_run = instance.get_run_by_id(dagster_run_id) if dagster_run_id else None
        if dagster_run is None or dagster_run.is_finished:
            client.set_terminated(mlflow_run.info.run_id, status="KILLED")
            killed.append(mlflow_run.info.run_id)
    return killed


def recover_abandoned_runs(
    instance: dg.DagsterInstance,
    *,
    tracking_uri: str | None,
    log: Callable[[str], None] | None = None,
) -> RecoveryReport:
    """Repair the instance (and MLflow) after runs whose process died; safe to call any time.

    Never touches a run whose process still lives: liveness is the lease's lock, not a pid.
    """
    report = RecoveryReport()
    for run in abandoned_runs(instance):
        pid = run.tags.get(LEASE_PID_TAG, "?")
        reason = (
            f"The process executing this run (pid {pid} on {run.tags.get(LEASE_HOST_TAG)}) "
            "is gone: it was killed or crashed. Marked failed by pop's crash recovery; its pool "
            "slots were freed."
        )
        fail_run(instance, run, reason)
        report.failed_runs.append(run.run_id)
        if log:
            log(f"run {run.run_id} ({run.job_name}) was abandoned by pid {pid}: marked failed")
    report.freed_slot_runs = free_slots_of_finished_runs(instance)
    if tracking_uri:
        report.killed_mlflow_runs = kill_orphaned_mlflow_runs(instance, tracking_uri)
    report.removed_leases = remove_stale_leases(instance.root_directory)
    if log and report.repaired_anything:
        log(report.summary())
    return report


def existing_tracking_uri(tracking_uri: str) -> str | None:
    """``tracking_uri``, or ``None`` for a local SQLite store not created yet (nothing to end)."""
    prefix = "sqlite:///"
    if tracking_uri.startswith(prefix):
        from pathlib import Path

        return tracking_uri if Path(tracking_uri[len(prefix) :]).exists() else None
    return tracking_uri


def recover_before_run(
    context: dg.ScheduleEvaluationContext | dg.SensorEvaluationContext,
) -> RecoveryReport | None:
    """:func:`recover_abandoned_runs` on a schedule's or sensor's instance, with the project's
    MLflow store (``None`` for a context built without an instance, as in unit tests)."""
    from pop_pipeline.settings import get_settings

    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:
        return None
    return recover_abandoned_runs(
        instance,
        tracking_uri=existing_tracking_uri(get_settings().mlflow_tracking_uri),
        log=context.log.info,
    )
