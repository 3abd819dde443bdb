"""A real ``kill -9`` of ``pop run`` inside a pooled step never wedges the next run, and
SIGTERM stops a run that waits for a pool slot."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pop_pipeline.defs.ingest.assets import RAW_ASSET_NAMES
from pop_pipeline.runs.leases import LEASE_HOST_TAG, LEASE_TAG
from pop_pipeline.storage.duckdb_store import DuckDBStore

pytestmark = pytest.mark.slow

RAW_TABLES = [name for name in RAW_ASSET_NAMES if name != "raw_collection"]


def _env(home: Path, raw: Path) -> dict[str, str]:
    env = {**os.environ, "POP_HOME": str(home), "POP_RAW_URI": str(raw)}
    env.pop("DAGSTER_HOME", None)  # pop puts it under POP_HOME
    return env


def _start_run(home: Path, raw: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pop_pipeline.cli", "run", "--select", "group:raw"],
            env=_env(home, raw),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, f"pop run ended before {text!r}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no {text!r} within {timeout} s"
        time.sleep(0.05)


def _tables(home: Path) -> dict[str, pd.DataFrame]:
    store = DuckDBStore(home / "pop.duckdb")
    return {name: store.table(name) for name in RAW_TABLES}


def _instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home / "dagster_home"))


def test_kill_9_inside_a_pooled_step_then_the_rerun_finishes_with_identical_tables(
    tmp_path, tiny_world
):
    reference_home, home = tmp_path / "reference", tmp_path / "killed"
    reference = _start_run(reference_home, tiny_world, tmp_path / "reference.log")
    assert reference.wait(timeout=600) == 0, (tmp_path / "reference.log").read_text()

    victim = _start_run(home, tiny_world, tmp_path / "victim.log")
    _wait_for(tmp_path / "victim.log", "reading the raw drop", victim)  # inside raw_tables
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()

    instance = _instance(home)
    (killed,) = instance.get_runs()
    assert killed.status == dg.DagsterRunStatus.STARTED  # what a kill -9 leaves behind
    assert killed.tags[LEASE_TAG] and killed.tags[LEASE_HOST_TAG]
    holders = instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots
    assert [slot.run_id for slot in holders] == [killed.run_id]  # the slot stays claimed

    rerun = subprocess.run(
        [sys.executable, "-m", "pop_pipeline.cli", "run", "--select", "group:raw"],
        env=_env(home, tiny_world),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"run {killed.run_id} (__ephemeral_asset_job__) was abandoned" in rerun.stdout
    instance = _instance(home)
    assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []

    expected, actual = _tables(reference_home), _tables(home)
    for name in RAW_TABLES:
        pd.testing.assert_frame_equal(actual[name], expected[name], obj=name)


HOLD_SLOT = """
import sys, time
import dagster as dg
from pop_pipeline.runs.leases import acquire_process_lease

instance = dg.DagsterInstance.from_config(sys.argv[1])
lease = acquire_process_lease(instance.root_directory)
run = instance.create_run_for_job(
    job_def=dg.Definitions(assets=[dg.AssetSpec("holder")]).resolve_implicit_global_asset_job_def(),
    tags=lease.tags,
)
instance.handle_run_event(
    run.run_id,
    dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name),
)
storage = instance.event_log_storage
storage.initialize_concurrency_limit_to_default("duckdb")
assert storage.claim_concurrency_slot("duckdb", run.run_id, "holder").is_claimed
print(run.run_id, flush=True)
time.sleep(600)
"""


def _waiting_runs(home: Path, holder_run: str) -> list[str]:
    pending = _instance(home).event_log_storage.get_concurrency_info("duckdb").pending_steps
    return [step.run_id for step in pending if step.run_id != holder_run]


def test_sigterm_stops_a_run_waiting_for_a_pool_slot(tmp_path, tiny_world):
    home = tmp_path / "home"
    (home / "dagster_home").mkdir(parents=True)
    from pop_pipeline.instance import TEMPLATE

    (home / "dagster_home" / "dagster.yaml").write_text(TEMPLATE.read_text())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SLOT, str(home / "dagster_home")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        holder_run = holder.stdout.readline().strip()
        waiting = _start_run(home, tiny_world, tmp_path / "waiting.log")
        deadline = time.monotonic() + 180
        while not _waiting_runs(home, holder_run):  # its step queues behind the live holder
            assert waiting.poll() is None, (tmp_path / "waiting.log").read_text()
            assert time.monotonic() < deadline, "the second run never queued for the slot"
            time.sleep(0.2)
        time.sleep(1)
        waiting.send_signal(signal.SIGTERM)
        status = waiting.wait(timeout=60)
        assert status == 130, (tmp_path / "waiting.log").read_text()
        assert "interrupted: 1 run(s) canceled" in (tmp_path / "waiting.log").read_text()
        instance = _instance(home)
        statuses = {run.run_id: run.status for run in instance.get_runs()}
        assert statuses[holder_run] == dg.DagsterRunStatus.STARTED  # alive: untouched
        (canceled,) = [run_id for run_id in statuses if run_id != holder_run]
        assert statuses[canceled] == dg.DagsterRunStatus.CANCELED
        pending = instance.event_log_storage.get_concurrency_info("duckdb").pending_steps
        assert [step.run_id for step in pending] == [holder_run]
    finally:
        holder.kill()
        holder.wait()
