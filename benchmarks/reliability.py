"""Reliability under crashes and concurrency: ``kill -9`` at random moments, concurrent runs.

Usage: python benchmarks/reliability.py [--preset tiny] [--ingest 20] [--embed 15] [--model 15]
                                        [--pairs 20] [--seed 0] [--workdir DIR]

On one project home (a fresh temp dir unless ``--workdir``):

1. generates the preset's world and runs everything upstream of ``popularity_model`` once (the
   reference: every DuckDB table's row count, and the raw tables' contents);
2. for each phase — ingestion (``group:raw``), embeddings (``tweet_embeddings``) and a model step
   (``popularity_model``) — starts ``pop run --select`` on it and kills the process group with
   SIGKILL: three trials in four at a uniform moment inside the phase's step (after its
   STEP_START, within the step's measured duration), the fourth at a uniform moment of the whole
   process's measured life (start-up, the summary); then checks the
   stores (DuckDB, the Dagster instance, the MLflow store open and answer; no table lost or with
   a row count different from the reference), then reruns the same selection, which must finish
   (within ``--timeout`` seconds, else it counts as hung) with the reference tables again;
3. starts ``--pairs`` pairs of ``pop run --select group:raw`` at the same moment on the home;
   both of each pair must succeed with the reference raw tables.

Prints, per phase and in total: stores that failed to open, partial tables, reruns that failed
or hung, lock errors (DuckDB, SQLite or Dagster lock messages in any output), and MLflow runs
left RUNNING after the reruns. Every random choice comes from ``--seed``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOCK_ERROR = re.compile(
    r"Could not set lock|Conflicting lock|database is locked|IO Error: .*lock|"
    r"DagsterConcurrencyError|LockError",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Phase:
    """A selection to kill, the step whose inside matters, and their measured durations."""

    selection: str
    step: str
    run_seconds: float = 0.0  # `pop run --select` from start to exit, measured clean
    step_seconds: float = 0.0  # the step alone (Dagster's step stats of the clean run)


PHASES = {
    "ingestion": Phase("group:raw", "raw_tables"),
    "embeddings": Phase("key:tweet_embeddings", "tweet_embeddings"),
    "model": Phase("key:popularity_model", "popularity_model"),
}
PREPARE = "+key:popularity_model or group:raw"
RAW_TABLES = ("raw_users", "raw_follows", "raw_tweets", "raw_retweets", "raw_replies", "raw_media")


@dataclass
class Tally:
    trials: int = 0
    unusable_stores: int = 0
    partial_tables: int = 0
    failed_reruns: int = 0
    hung_reruns: int = 0
    lock_errors: int = 0
    running_mlflow_runs: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "trials",
            "unusable_stores",
            "partial_tables",
            "failed_reruns",
            "hung_reruns",
            "lock_errors",
            "running_mlflow_runs",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes.extend(other.notes)

    def line(self, label: str) -> str:
        return (
            f"{label:12s} trials {self.trials:3d} | unusable stores {self.unusable_stores} | "
            f"partial tables {self.partial_tables} | failed reruns {self.failed_reruns} | "
            f"hung reruns {self.hung_reruns} | lock errors {self.lock_errors} | "
            f"MLflow runs left RUNNING {self.running_mlflow_runs}"
        )


class Home:
    """One project home and the ``pop`` commands run on it."""

    def __init__(self, root: Path, raw: Path) -> None:
        self.root = root
        self.raw = raw
        self.env = {**os.environ, "POP_HOME": str(root), "POP_RAW_URI": str(raw)}
        for key in ("DAGSTER_HOME", "MLFLOW_TRACKING_URI"):
            self.env.pop(key, None)

    def start(self, selection: str, log: Path) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "pop_pipeline.cli", "run", "--select", selection],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def run(self, selection: str, log: Path, timeout: float) -> tuple[int | None, float]:
        """Exit status (``None`` when it hung and was killed) and seconds."""
        started = time.perf_counter()
        process = self.start(selection, log)
        try:
            status: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            status = None
        return status, time.perf_counter() - started

    def last_step_seconds(self, step: str) -> float:
        """How long ``step`` took in the newest run on the home."""
        import dagster as dg

        with dg.DagsterInstance.from_config(str(self.root / "dagster_home")) as instance:
            (run,) = instance.get_runs(limit=1)
            for stats in instance.get_run_step_stats(run.run_id):
                if stats.step_key == step and stats.end_time and stats.start_time:
                    return stats.end_time - stats.start_time
        raise ValueError(f"no finished step {step} in the newest run")

    def table_counts(self) -> dict[str, int]:
        import duckdb

        connection = duckdb.connect(str(self.root / "pop.duckdb"), read_only=True)
        try:
            names = [row[0] for row in connection.execute("SHOW TABLES").fetchall()]
            return {
                name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in names
            }
        finally:
            connection.close()

    def raw_tables(self) -> dict[str, object]:
        import duckdb

        connection = duckdb.connect(str(self.root / "pop.duckdb"), read_only=True)
        try:
            return {name: connection.execute(f"SELECT * FROM {name}").df() for name in RAW_TABLES}
        finally:
            connection.close()

    def stores_open(self) -> list[str]:
        """The stores that fail to open or answer (empty when all are fine)."""
        failures = []
        try:
            self.table_counts()
        except Exception as error:  # any failure to open is what we count
            failures.append(f"duckdb: {type(error).__name__}: {error}")
        try:
            import dagster as dg

            with dg.DagsterInstance.from_config(str(self.root / "dagster_home")) as instance:
                instance.get_runs(limit=5)
        except Exception as error:
            failures.append(f"dagster: {type(error).__name__}: {error}")
        mlflow_db = self.root / "mlflow.db"
        if mlflow_db.exists():
            try:
                from mlflow import MlflowClient

                MlflowClient(tracking_uri=f"sqlite:///{mlflow_db}").search_experiments()
            except Exception as error:
                failures.append(f"mlflow: {type(error).__name__}: {error}")
        return failures

    def running_mlflow_runs(self) -> int:
        mlflow_db = self.root / "mlflow.db"
        if not mlflow_db.exists():
            return 0
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=f"sqlite:///{mlflow_db}")
        ids = [experiment.experiment_id for experiment in client.search_experiments()]
        if not ids:
            return 0
        return len(client.search_runs(ids, filter_string="attributes.status = 'RUNNING'"))


def kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def compare_counts(reference: dict[str, int], now: dict[str, int]) -> list[str]:
    return [
        f"{name}: {now.get(name)} rows, reference {count}"
        for name, count in reference.items()
        if now.get(name) != count
    ]


def lock_errors(*logs: Path) -> int:
    return sum(len(LOCK_ERROR.findall(log.read_text(errors="replace"))) for log in logs)


def step_started(home: Home, step: str) -> bool:
    """Whether the newest run on the home has recorded the start of ``step``."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home.root / "dagster_home")) as instance:
        runs = instance.get_runs(limit=1)
        if not runs or runs[0].is_finished:
            return False
        records = instance.get_records_for_run(
            runs[0].run_id, of_type=dg.DagsterEventType.STEP_START
        ).records
        return any(record.event_log_entry.step_key == step for record in records)


def kill_trial(
    home: Home,
    phase: Phase,
    rng: random.Random,
    reference: dict[str, int],
    logs: Path,
    index: int,
    timeout: float,
) -> Tally:
    """One ``kill -9``: three trials in four land inside the phase's step (a uniform moment of
    its measured duration after its STEP_START); the fourth anywhere in the process's life
    (start-up, other steps, the summary)."""
    tally = Tally(trials=1)
    victim_log, rerun_log = logs / f"{index:03d}-victim.log", logs / f"{index:03d}-rerun.log"
    inside_step = index % 4 != 0
    process = home.start(phase.selection, victim_log)
    started = time.monotonic()
    if inside_step:
        delay = rng.uniform(0.0, phase.step_seconds)
        deadline = started + timeout
        while not step_started(home, phase.step) and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        where = f"{delay:5.1f} s into {phase.step}"
    else:
        delay = rng.uniform(0.2, phase.run_seconds)
        where = f"{delay:5.1f} s after the start"
    time.sleep(delay)
    finished_first = process.poll() is not None
    kill_group(process)
    failures = home.stores_open()
    if failures:
        tally.unusable_stores += 1
        tally.notes.append(f"trial {index} (killed {where}): {failures}")
    else:
        partial = compare_counts(reference, home.table_counts())
        if partial:
            tally.partial_tables += len(partial)
            tally.notes.append(f"trial {index} after the kill {where}: {partial}")
    status, seconds = home.run(phase.selection, rerun_log, timeout)
    if status is None:
        tally.hung_reruns += 1
        tally.notes.append(f"trial {index}: the rerun hung (killed after {timeout:.0f} s)")
    elif status != 0:
        tally.failed_reruns += 1
        tally.notes.append(f"trial {index}: the rerun exited {status} (see {rerun_log})")
    else:
        partial = compare_counts(reference, home.table_counts())
        if partial:
            tally.partial_tables += len(partial)
            tally.notes.append(f"trial {index} after the rerun: {partial}")
    tally.lock_errors += lock_errors(victim_log, rerun_log)
    tally.running_mlflow_runs += home.running_mlflow_runs()
    state = "finished before the kill" if finished_first else f"killed {where}"
    print(f"  trial {index:3d}: {state}; rerun {status} in {seconds:5.1f} s", flush=True)
    return tally


def concurrent_pair(
    home: Home, reference_raw: dict[str, object], logs: Path, index: int, timeout: float
) -> Tally:
    import pandas as pd

    tally = Tally(trials=1)
    pair_logs = [logs / f"pair-{index:02d}-{side}.log" for side in ("a", "b")]
    processes = [home.start(PHASES["ingestion"].selection, log) for log in pair_logs]
    deadline = time.monotonic() + 2 * timeout
    statuses: list[int | None] = []
    for process in processes:
        try:
            statuses.append(process.wait(timeout=max(deadline - time.monotonic(), 1)))
        except subprocess.TimeoutExpired:
            kill_group(process)
            statuses.append(None)
    tally.hung_reruns += statuses.count(None)
    tally.failed_reruns += sum(1 for status in statuses if status not in (0, None))
    failures = home.stores_open()
    if failures:
        tally.unusable_stores += 1
        tally.notes.append(f"pair {index}: {failures}")
    else:
        now = home.raw_tables()
        for name, frame in reference_raw.items():
            try:
                pd.testing.assert_frame_equal(now[name], frame)
            except AssertionError:
                tally.partial_tables += 1
                tally.notes.append(f"pair {index}: {name} differs from the reference")
    tally.lock_errors += lock_errors(*pair_logs)
    print(f"  pair {index:3d}: exit statuses {statuses}", flush=True)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--world-seed", type=int, default=None)
    parser.add_argument("--ingest", type=int, default=20)
    parser.add_argument("--embed", type=int, default=15)
    parser.add_argument("--model", type=int, default=15)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0, help="draws the kill moments")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a rerun hangs")
    parser.add_argument("--workdir", help="default: a new temp dir")
    args = parser.parse_args()
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

    from pop_pipeline.world import generate_world, load_world_config

    work = Path(args.workdir or tempfile.mkdtemp(prefix="pop_reliability_"))
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    raw = work / "world"
    if not (raw / "manifest.json").exists():
        generate_world(load_world_config(args.preset, seed=args.world_seed), raw)
    home = Home(work / "home", raw)
    rng = random.Random(args.seed)
    print(
        f"workdir {work}; preset {args.preset}; seed {args.seed}; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()}",
        flush=True,
    )

    status, seconds = home.run(PREPARE, logs / "prepare.log", args.timeout)
    if status != 0:
        print(f"preparing run failed ({status}): {logs / 'prepare.log'}", file=sys.stderr)
        return 1
    reference = home.table_counts()
    reference_raw = home.raw_tables()
    print(f"reference: {len(reference)} tables after {seconds:.0f} s", flush=True)

    total = Tally()
    counts = {"ingestion": args.ingest, "embeddings": args.embed, "model": args.model}
    results: dict[str, Tally] = {}
    index = 0
    for name, phase in PHASES.items():
        status, run_seconds = home.run(phase.selection, logs / f"{name}-clean.log", args.timeout)
        if status != 0:
            print(f"clean {name} run failed ({status})", file=sys.stderr)
            return 1
        phase = dataclasses.replace(
            phase, run_seconds=run_seconds, step_seconds=home.last_step_seconds(phase.step)
        )
        print(
            f"{name}: clean run {run_seconds:.1f} s, step {phase.step} {phase.step_seconds:.1f} s;"
            f" {counts[name]} kill trials",
            flush=True,
        )
        tally = Tally()
        for _ in range(counts[name]):
            index += 1
            tally.add(kill_trial(home, phase, rng, reference, logs, index, args.timeout))
        results[name] = tally
        total.add(tally)
    pairs = Tally()
    print(f"concurrency: {args.pairs} pairs of `pop run --select group:raw`", flush=True)
    for pair in range(1, args.pairs + 1):
        pairs.add(concurrent_pair(home, reference_raw, logs, pair, args.timeout))
    results["pairs"] = pairs

    print(f"\nload average at the end {os.getloadavg()}")
    for phase, tally in results.items():
        print(tally.line(phase))
    total.add(pairs)
    print(total.line("total"))
    for note in total.notes:
        print(f"  - {note}")
    bad = (
        total.unusable_stores
        + total.partial_tables
        + total.failed_reruns
        + total.hung_reruns
        + total.lock_errors
        + total.running_mlflow_runs
    )
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
