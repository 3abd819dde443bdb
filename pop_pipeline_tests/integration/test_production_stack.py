"""Production, for real: the Dagster instance on PostgreSQL, raw data and MLflow artifacts on an
S3 endpoint, an ``mlflow server`` with a Postgres backend store, and ``dagster-daemon`` running
the sensor and the queued runs — every server started here, nothing mocked.

The story of one deployment, in order (the tests share the module's stack and run in file
order): a raw drop lands on S3 → the daemon's ``raw_drop_sensor`` starts ``ingest_and_retrain``
→ every model is registered on the server with a champion; a launched run of the scheduled
``nightly_retraining`` job registers a new version of each and the gate moves or keeps
``champion``; a fresh process and ``mlflow models serve`` fetch ``pop-amnl@champion`` from the
server and score like the in-process model; corrupt upstream data makes a blocking check fail
in the nightly job and the server's registry stays exactly as it was.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import dagster as dg
import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.ranking.data.ranking_data import load_ranking_data
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline_tests.servers.mlflow_server import mlflow_server
from pop_pipeline_tests.servers.ports import free_port, wait_for_http
from pop_pipeline_tests.servers.postgres import postgres_available, postgres_server
from pop_pipeline_tests.servers.processes import background_process, log_tail
from pop_pipeline_tests.servers.s3 import S3_ENV, moto_server, upload_tree

REPO = Path(__file__).resolve().parents[2]
RANKING_MODELS = ("pop-amnl", "pop-bpr", "pop-popularity")
RAW_BUCKET, ARTIFACT_BUCKET, DROP = "pop-raw", "pop-mlflow", "2026-11-24"
RUN_TIMEOUT_S = 1800  # a tiny-world run takes ~3 min on a quiet 2-core machine

pytestmark = pytest.mark.skipif(postgres_available() is not None, reason=str(postgres_available()))


class Stack:
    """Where everything lives, and the environment every process of the deployment shares."""

    def __init__(
        self,
        env: dict[str, str],
        home: Path,
        logs: Path,
        mlflow_url: str,
        daemon: subprocess.Popen,
    ) -> None:
        self.env, self.home, self.logs, self.mlflow_url = env, home, logs, mlflow_url
        self.daemon = daemon

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"])

    def registry(self) -> MlflowClient:
        mlflow.set_tracking_uri(self.mlflow_url)
        return MlflowClient(self.mlflow_url)

    def dagster(self, *args: str) -> str:
        """Run a ``dagster`` CLI command against the production instance and workspace."""
        out = subprocess.run(
            [sys.executable, "-m", "dagster", *args, "-w", str(REPO / "workspace.yaml")],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def store(self) -> DuckDBStore:
        return DuckDBStore(self.home / "pop.duckdb")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tiny_world):
    root = tmp_path_factory.mktemp("production")
    logs = root / "logs"
    with (
        moto_server() as s3_url,
        postgres_server() as postgres,
        pytest.MonkeyPatch.context() as patch,
    ):
        postgres.create_database("dagster")
        mlflow_dsn = postgres.create_database("mlflow")
        shared = {
            **S3_ENV,
            **postgres.env("dagster"),
            "POP_S3_ENDPOINT_URL": s3_url,
            "MLFLOW_S3_ENDPOINT_URL": s3_url,
        }
        for key, value in shared.items():  # this process talks to the same servers
            patch.setenv(key, value)
        env = {
            **os.environ,
            "POP_HOME": str(root / "pop_home"),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "POP_RAW_DROPS_URI": f"s3://{RAW_BUCKET}/drops",
            "POP_RAW_URI": f"s3://{RAW_BUCKET}/drops/{DROP}",
            "PYTHONUNBUFFERED": "1",
        }
        client = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1")
        client.create_bucket(Bucket=ARTIFACT_BUCKET)
        upload_tree(s3_url, tiny_world, RAW_BUCKET, f"drops/{DROP}")
        (root / "dagster_home").mkdir()
        production_yaml = REPO / "docker" / "dagster.yaml"
        shutil.copyfile(production_yaml, root / "dagster_home" / "dagster.yaml")

        with mlflow_server(
            mlflow_dsn, f"s3://{ARTIFACT_BUCKET}", env, logs / "mlflow.log"
        ) as mlflow_url:
            env["MLFLOW_TRACKING_URI"] = mlflow_url
            patch.setenv("MLFLOW_TRACKING_URI", mlflow_url)
            daemon = [str(Path(sys.executable).with_name("dagster-daemon")), "run"]
            daemon += ["-w", str(REPO / "workspace.yaml")]
            with background_process(daemon, env, logs / "daemon.log", cwd=str(REPO)) as process:
                yield Stack(env, root / "pop_home", logs, mlflow_url, process)


def _wait_for_run(stack: Stack, job_name: str, known: set[str]) -> dg.DagsterRun:
    """The first run of ``job_name`` not in ``known``, once it has finished."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    instance = stack.instance()
    while time.monotonic() < deadline:
        if stack.daemon.poll() is not None:
            raise RuntimeError(f"dagster-daemon exited\n{log_tail(stack.logs / 'daemon.log')}")
        runs = [
            run
            for run in instance.get_runs(filters=dg.RunsFilter(job_name=job_name))
            if run.run_id not in known
        ]
        if runs and runs[0].is_finished:
            return runs[0]
        time.sleep(3)
    raise TimeoutError(
        f"no finished {job_name} run within {RUN_TIMEOUT_S} s\n"
        f"{log_tail(stack.logs / 'daemon.log')}"
    )


def _run_ids(stack: Stack) -> set[str]:
    return {run.run_id for run in stack.instance().get_runs()}


def _failure_report(stack: Stack, run: dg.DagsterRun) -> str:
    events = stack.instance().all_logs(run.run_id)
    errors = [e.message for e in events if e.level >= logging.ERROR]
    return "\n".join(errors[-10:]) + "\n" + log_tail(stack.logs / "daemon.log", 2000)


def _registry_snapshot(client: MlflowClient) -> dict[str, tuple[list, dict]]:
    return {
        model.name: (
            sorted(
                (str(v.version), dict(v.tags))
                for v in client.search_model_versions(f"name='{model.name}'")
            ),
            dict(model.aliases),
        )
        for model in client.search_registered_models()
    }


@pytest.fixture(scope="module")
def sensor_run(stack):
    known = _run_ids(stack)
    stack.dagster("sensor", "start", "raw_drop_sensor")
    run = _wait_for_run(stack, "ingest_and_retrain", known)
    return run


def test_instance_storage_is_postgres(stack):
    instance = stack.instance()
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert instance.run_monitoring_enabled and instance.run_retries_enabled


def test_new_raw_drop_on_s3_starts_ingestion_and_every_model_is_registered(stack, sensor_run):
    assert sensor_run.status == dg.DagsterRunStatus.SUCCESS, _failure_report(stack, sensor_run)
    assert sensor_run.tags["pop/raw_drop"] == f"s3://{RAW_BUCKET}/drops/{DROP}"
    assert sensor_run.tags["dagster/sensor_name"] == "raw_drop_sensor"
    media = stack.store().query("SELECT uri FROM raw_media LIMIT 1").iloc[0, 0]
    assert media.startswith(f"s3://{RAW_BUCKET}/drops/{DROP}/media/")

    client = stack.registry()
    for name in RANKING_MODELS:
        assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
    # artifacts went through the server to the S3 bucket, not to a local folder
    objects = boto3.client(
        "s3", endpoint_url=stack.env["MLFLOW_S3_ENDPOINT_URL"], region_name="us-east-1"
    ).list_objects_v2(Bucket=ARTIFACT_BUCKET)
    assert any(item["Key"].endswith("MLmodel") for item in objects.get("Contents", []))


def test_launched_nightly_run_registers_a_new_version_and_the_gate_decides(stack, sensor_run):
    client = stack.registry()
    known = _run_ids(stack)
    stack.dagster("job", "launch", "-j", "nightly_retraining")
    run = _wait_for_run(stack, "nightly_retraining", known)

    assert run.status == dg.DagsterRunStatus.SUCCESS, _failure_report(stack, run)
    for name in RANKING_MODELS:
        newest = max(client.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
        assert str(newest.version) == "2"
        champion = str(client.get_model_version_by_alias(name, "champion").version)
        decision = newest.tags["gate_decision"]
        assert champion == ("2" if decision == "promoted" else "1"), (name, decision)


@pytest.fixture(scope="module")
def scoring_frame(stack, sensor_run, tmp_path_factory) -> Path:
    pairs = load_ranking_data(stack.store(), 0.8).test.head(12)
    path = tmp_path_factory.mktemp("scoring") / "pairs.json"
    pairs.drop(columns=["label", "seen_at", "row"]).to_json(path, orient="records")
    return path


def _in_process_scores(frame_path: Path) -> list[float]:
    frame = pd.read_json(frame_path, orient="records", dtype=False)
    model = mlflow.pyfunc.load_model("models:/pop-amnl@champion")
    return model.predict(frame)["score"].tolist()


def test_champion_fetched_from_the_server_in_a_fresh_process(stack, scoring_frame):
    stack.registry()
    script = (
        "import sys, json, mlflow, pandas as pd\n"
        "frame = pd.read_json(sys.argv[1], orient='records', dtype=False)\n"
        "model = mlflow.pyfunc.load_model('models:/pop-amnl@champion')\n"
        "print(json.dumps(model.predict(frame)['score'].tolist()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(scoring_frame)],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    expected = _in_process_scores(scoring_frame)
    assert len(fresh) == 12 and len(set(fresh)) > 1
    assert fresh == pytest.approx(expected, abs=1e-5)


def test_mlflow_models_serve_answers_like_the_in_process_model(stack, scoring_frame):
    stack.registry()
    port = free_port()
    command = [sys.executable, "-m", "mlflow", "models", "serve"]
    command += ["-m", "models:/pop-amnl@champion", "-h", "127.0.0.1", "-p", str(port)]
    command += ["--env-manager", "local"]
    log = stack.logs / "serve.log"
    # as from an activated environment: `mlflow models serve` execs `uvicorn` through the PATH
    bin_dir = str(Path(sys.executable).parent)
    env = {**stack.env, "PATH": f"{bin_dir}{os.pathsep}{stack.env.get('PATH', '')}"}
    with background_process(command, env, log) as process:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/ping", timeout_s=240, process=process)
        except (TimeoutError, RuntimeError) as error:
            raise AssertionError(f"{error}\n{log_tail(log)}") from error
        frame = pd.read_json(scoring_frame, orient="records", dtype=False)
        body = json.dumps({"dataframe_split": frame.to_dict(orient="split")}, default=str)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as reply:
            answer = json.loads(reply.read())
    served = [row["score"] for row in answer["predictions"]]
    assert served == pytest.approx(_in_process_scores(scoring_frame), abs=1e-5)


def test_failing_check_in_the_nightly_job_leaves_the_server_registry_unchanged(stack, sensor_run):
    client = stack.registry()
    before = _registry_snapshot(client)
    assert set(RANKING_MODELS) <= set(before)
    # corrupt upstream data: one raw tweet loaded twice → image_tweets has a duplicate id
    with stack.store().connect() as connection:
        connection.execute(
            "INSERT INTO raw_tweets SELECT * FROM raw_tweets "
            "WHERE tweet_id = (SELECT min(tweet_id) FROM image_tweets)"
        )
    known = _run_ids(stack)
    stack.dagster("job", "launch", "-j", "nightly_retraining")
    run = _wait_for_run(stack, "nightly_retraining", known)

    assert run.status == dg.DagsterRunStatus.FAILURE
    instance = stack.instance()
    checks = {
        event.asset_check_evaluation_data.check_name: event.asset_check_evaluation_data.passed
        for event in (
            record.event_log_entry.dagster_event
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        )
    }
    assert checks == {"image_tweets_are_valid": False}
    materialized = {
        record.event_log_entry.dagster_event.asset_key.to_user_string()
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
    }
    assert materialized == {"image_tweets"}
    assert _registry_snapshot(client) == before
