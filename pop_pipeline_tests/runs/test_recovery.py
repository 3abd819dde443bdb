"""Crash recovery on a real instance: abandoned runs failed, slots freed, MLflow runs KILLED."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import mlflow
import pytest

from pop_pipeline.runs.leases import LEASE_HOST_TAG, LEASE_TAG, acquire_process_lease
from pop_pipeline.runs.recovery import (
    DAGSTER_RUN_ID_TAG,
    recover_abandoned_runs,
    slot_holders,
)

POOL = "duckdb"


@dg.asset(pool=POOL)
def pooled_asset() -> int:
    return 1


@pytest.fixture()
def instance(tmp_path):
    (tmp_path / "home").mkdir()
    overrides = {"concurrency": {"pools": {"granularity": "op", "default_limit": 1}}}
    with dg.instance_for_test(temp_dir=str(tmp_path / "home"), overrides=overrides) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        yield instance


def _dead_lease(root: str) -> dict[str, str]:
    """The tags of a lease whose process was killed with SIGKILL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time;from pop_pipeline.runs.leases import acquire_process_lease;"
            "print(acquire_process_lease(sys.argv[1]).path.name,flush=True);time.sleep(600)",
            root,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    name = process.stdout.readline().strip()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    from socket import gethostname

    return {LEASE_TAG: name, LEASE_HOST_TAG: gethostname()}


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    """A run left as a killed process leaves it: STARTED, holding the pool's slot."""
    job = dg.Definitions(assets=[pooled_asset]).resolve_implicit_global_asset_job_def()
    run = instance.create_run_for_job(job_def=job, tags=tags)
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name
        ),
    )
    claimed = instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "pooled_asset")
    assert claimed.is_claimed
    return instance.get_run_by_id(run.run_id)


def test_a_run_whose_process_died_is_failed_and_its_slot_freed(instance, tmp_path):
    dead = _started_run(instance, _dead_lease(instance.root_directory))
    mlflow_uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(mlflow_uri)
    orphan = mlflow.MlflowClient().create_run(
        mlflow.MlflowClient().create_experiment("e"), tags={DAGSTER_RUN_ID_TAG: dead.run_id}
    )
    assert dead.status == dg.DagsterRunStatus.STARTED
    assert dead.run_id in slot_holders(instance)

    report = recover_abandoned_runs(instance, tracking_uri=mlflow_uri)

    assert report.failed_runs == [dead.run_id]
    run = instance.get_run_by_id(dead.run_id)
    assert run.status == dg.DagsterRunStatus.FAILURE
    failure = instance.get_records_for_run(
        dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records[0]
    assert "is gone" in failure.event_log_entry.dagster_event.message
    assert dead.run_id not in slot_holders(instance)
    assert report.killed_mlflow_runs == [orphan.info.run_id]
    assert mlflow.MlflowClient().get_run(orphan.info.run_id).info.status == "KILLED"
    # and the pool works again: a new run gets the slot and finishes
    result = dg.materialize([pooled_asset], instance=instance)
    assert result.success


def test_a_live_run_is_never_touched(instance, tmp_path):
    lease = acquire_process_lease(instance.root_directory)  # this process: alive
    live = _started_run(instance, lease.tags)
    report = recover_abandoned_runs(instance, tracking_uri=None)
    assert report.failed_runs == []
    assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
    assert live.run_id in slot_holders(instance)


def test_runs_leased_on_another_host_or_without_a_lease_are_left_to_run_monitoring(instance):
    elsewhere = _started_run(instance, {LEASE_TAG: "x.lease", LEASE_HOST_TAG: "other-host"})
    report = recover_abandoned_runs(instance, tracking_uri=None)
    assert report.failed_runs == []
    assert instance.get_run_by_id(elsewhere.run_id).status == dg.DagsterRunStatus.STARTED


def test_slots_of_finished_or_unknown_runs_are_freed(instance):
    storage = instance.event_log_storage
    assert storage.claim_concurrency_slot(POOL, "no-such-run", "step").is_claimed
    report = recover_abandoned_runs(instance, tracking_uri=None)
    assert report.freed_slot_runs == ["no-such-run"]
    assert slot_holders(instance) == set()


def test_the_schedule_recovers_before_it_requests_the_nightly_run(instance):
    from pop_pipeline.defs.schedules.schedules import nightly_retraining_schedule

    dead = _started_run(instance, _dead_lease(instance.root_directory))
    context = dg.build_schedule_context(instance=instance)
    requests = nightly_retraining_schedule.evaluate_tick(context).run_requests
    assert requests and len(requests) == 1
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE


def test_the_raw_drop_sensor_recovers_before_it_looks_for_drops(instance, tmp_path):
    from pop_pipeline.defs.resources import RawDataResource
    from pop_pipeline.defs.schedules.sensors import raw_drop_sensor

    dead = _started_run(instance, _dead_lease(instance.root_directory))
    (tmp_path / "drops").mkdir()
    context = dg.build_sensor_context(
        instance=instance, resources={"raw_data": RawDataResource(uri=str(tmp_path / "drops"))}
    )
    raw_drop_sensor.evaluate_tick(context)
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE


def _leased_job() -> dg.JobDefinition:
    from pop_pipeline.definitions import default_executor

    return dg.Definitions(
        assets=[pooled_asset],
        jobs=[dg.define_asset_job("leased_job")],
        executor=default_executor(),
    ).resolve_job_def("leased_job")


def test_the_projects_executor_tags_each_run_with_its_lease(instance):
    """What the daemon's run workers execute: the lease is this process's, the run says so."""
    with dg.execute_job(dg.reconstructable(_leased_job), instance=instance) as result:
        assert result.success
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags[LEASE_TAG] == acquire_process_lease(instance.root_directory).path.name
    assert Path(instance.root_directory, "run_leases", tags[LEASE_TAG]).exists()
