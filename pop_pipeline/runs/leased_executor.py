"""Executors that hold this process's run lease while they orchestrate a run.

The daemon's runs (nightly schedule, raw-drop sensor, the UI's launches) are executed by a run
worker process the code server starts; wrapping the executor is the one place that runs inside
that process for the whole run, whatever launches it. The lease's tags are added to the run
before its first step, so :func:`pop_pipeline.runs.recovery.recover_abandoned_runs` can tell the
run is abandoned if that process dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg

from pop_pipeline.runs.leases import acquire_process_lease


class LeasedExecutor(dg.Executor):
    """Delegates to ``inner``; takes the lease and tags the run before executing."""

    def __init__(self, inner: dg.Executor) -> None:
        self._inner = inner

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[Any]:
        instance = plan_context.instance
        lease = acquire_process_lease(instance.root_directory)
        instance.add_run_tags(plan_context.run_id, lease.tags)
        yield from self._inner.execute(plan_context, execution_plan)

    @property
    def retries(self) -> Any:
        return self._inner.retries

    @property
    def step_dependency_config(self) -> Any:
        return self._inner.step_dependency_config

    def __getattr__(self, name: str) -> Any:  # anything else the inner executor offers
        return getattr(self._inner, name)


def leased(executor_def: dg.ExecutorDefinition) -> dg.ExecutorDefinition:
    """``executor_def`` (same name, config and requirements) wrapped in :class:`LeasedExecutor`."""
    creation_fn = executor_def.executor_creation_fn
    assert creation_fn is not None, f"executor {executor_def.name} cannot be created"

    def create(init_context: Any) -> dg.Executor:
        return LeasedExecutor(creation_fn(init_context))

    return dg.ExecutorDefinition(
        name=executor_def.name,
        config_schema=executor_def.config_schema,
        requirements=executor_def.get_requirements,
        executor_creation_fn=create,
        description=executor_def.description,
    )
