"""Materialize the asset graph in-process on the project's instance (what ``pop run`` does)."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from pop_pipeline.instance import ensure_dagster_home
from pop_pipeline.runs.leases import acquire_process_lease
from pop_pipeline.runs.recovery import existing_tracking_uri, recover_abandoned_runs
from pop_pipeline.settings import get_settings

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_pipeline(
    selection: str | None = None,
    resources: dict[str, object] | None = None,
    instance: dg.DagsterInstance | None = None,
    run_config: dict[str, object] | None = None,
    log: Callable[[str], None] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset and check (or ``selection``) in one in-process run.

    The in-process executor runs one step at a time, so DuckDB sees one writer. Runs are stored
    in ``$DAGSTER_HOME`` (default ``$POP_HOME/dagster_home``) and show up in ``pop ui``. Before
    the run starts, runs abandoned by a dead process are failed and their pool slots freed
    (:func:`recover_abandoned_runs`); the run carries this process's lease, so if this process
    dies the next run repairs it the same way.
    """
    from pop_pipeline.definitions import defs as load_defs

    defs = load_defs()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    lease = acquire_process_lease(instance.root_directory)
    recover_abandoned_runs(
        instance,
        tracking_uri=existing_tracking_uri(get_settings().mlflow_tracking_uri),
        log=log,
    )
    assets = [*defs.assets, *(defs.asset_checks or [])]
    return dg.materialize(
        assets,
        resources={**(defs.resources or {}), **(resources or {})},
        instance=instance,
        selection=selection,
        run_config={**QUIET_LOGS, **(run_config or {})},
        raise_on_error=False,
        tags=lease.tags,
    )
