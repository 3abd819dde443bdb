"""Make SIGINT/SIGTERM stop a ``pop run`` that is waiting for a pool slot.

While Dagster executes a run in-process it captures SIGINT (and maps SIGTERM to it) and acts on
the signal only when the next step starts. A run waiting for a pool slot held by another run
never reaches that point, so the signal would be ignored for as long as the wait lasts. The
watchdog notices a captured signal that the run has not acted on within a grace period, cancels
the run in the instance (its pool claims freed, its MLflow runs ended as KILLED) and exits the
process with status 130.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import dagster as dg
from dagster._utils.interrupts import check_captured_interrupt

from pop_pipeline.runs.leases import LEASE_TAG, RunLease
from pop_pipeline.runs.recovery import UNFINISHED_STATUSES, free_slots, kill_orphaned_mlflow_runs

INTERRUPTED_EXIT_STATUS = 130


def runs_of_lease(instance: dg.DagsterInstance, lease: RunLease) -> list[dg.DagsterRun]:
    """The unfinished runs this process's lease executes."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=list(UNFINISHED_STATUSES), tags={LEASE_TAG: lease.path.name})
    )
    return [record.dagster_run for record in records]


def cancel_and_exit(
    instance: dg.DagsterInstance, lease: RunLease, tracking_uri: str | None
) -> None:
    """Cancel this process's unfinished runs, free their slots, end their MLflow runs; exit."""
    runs = runs_of_lease(instance, lease)
    for run in runs:
        instance.report_run_canceled(
            run, message="Interrupted (SIGINT/SIGTERM) while waiting for a pool slot."
        )
    free_slots(instance, [run.run_id for run in runs])
    if tracking_uri:
        kill_orphaned_mlflow_runs(instance, tracking_uri)
    print(
        f"\ninterrupted: {len(runs)} run(s) canceled "
        f"({', '.join(run.run_id for run in runs) or 'none'})",
        file=sys.stderr,
        flush=True,
    )
    os._exit(INTERRUPTED_EXIT_STATUS)


def start_interrupt_watchdog(
    instance: dg.DagsterInstance,
    lease: RunLease,
    tracking_uri: str | None,
    grace_seconds: float = 10.0,
    poll_seconds: float = 0.25,
) -> threading.Thread:
    """A daemon thread that ends the process if a captured signal is left unhandled.

    Dagster acts on a captured signal at the next step start (the run then ends as canceled and
    ``pop run`` exits normally); only when ``grace_seconds`` pass with the signal still pending
    and a run of this process still unfinished does the watchdog step in.
    """

    def watch() -> None:
        pending_since: float | None = None
        while True:
            time.sleep(poll_seconds)
            if not check_captured_interrupt():
                pending_since = None
                continue
            pending_since = pending_since or time.monotonic()
            if time.monotonic() - pending_since >= grace_seconds and runs_of_lease(instance, lease):
                cancel_and_exit(instance, lease, tracking_uri)

    thread = threading.Thread(target=watch, name="pop-interrupt-watchdog", daemon=True)
    thread.start()
    return thread
