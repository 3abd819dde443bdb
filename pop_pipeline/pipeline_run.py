"""Materialize the asset graph in-process on the project's instance (what ``pop run`` does)."""

from __future__ import annotations

import dagster as dg

from pop_pipeline.instance import ensure_dagster_home

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_pipeline(
    selection: str | None = None,
    resources: dict[str, object] | None = None,
    instance: dg.DagsterInstance | None = None,
    run_config: dict[str, object] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset and check (or ``selection``) in one in-process run.

    The in-process executor runs one step at a time, so DuckDB sees one writer. Runs are stored
    in ``$DAGSTER_HOME`` (default ``$POP_HOME/dagster_home``) and show up in ``pop ui``.
    """
    from pop_pipeline.definitions import defs as load_defs

    defs = load_defs()
    if instance is None:
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
    assets = [*defs.assets, *(defs.asset_checks or [])]
    return dg.materialize(
        assets,
        resources={**(defs.resources or {}), **(resources or {})},
        instance=instance,
        selection=selection,
        run_config={**QUIET_LOGS, **(run_config or {})},
        raise_on_error=False,
    )
