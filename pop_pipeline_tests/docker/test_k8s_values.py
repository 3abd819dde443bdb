"""docker/k8s/values.yaml (Dagster's Helm chart) matches the code: our code server with the k8s
executor, the instance on an external Postgres, the K8sRunLauncher."""

from pathlib import Path

import yaml

from pop_pipeline.definitions import EXECUTOR_ENV, EXECUTORS

VALUES = Path(__file__).resolve().parents[2] / "docker" / "k8s" / "values.yaml"


def _values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def test_user_deployment_serves_our_code_location_with_the_k8s_executor():
    [deployment] = _values()["dagster-user-deployments"]["deployments"]
    args = deployment["codeServerArgs"]
    assert args[args.index("--module-name") + 1] == "pop_pipeline.definitions"
    env = {item["name"]: item["value"] for item in deployment["env"]}
    assert env[EXECUTOR_ENV] == "k8s" and env[EXECUTOR_ENV] in EXECUTORS
    assert env["POP_RAW_URI"].startswith("s3://")
    assert env["MLFLOW_TRACKING_URI"].startswith("http")
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True  # run and step pods
    mounts = {mount["mountPath"]: mount["name"] for mount in deployment["volumeMounts"]}
    claims = {volume["name"]: volume for volume in deployment["volumes"]}
    assert "persistentVolumeClaim" in claims[mounts[env["POP_HOME"]]]  # POP_HOME is shared


def test_instance_on_external_postgres_with_a_secret_and_k8s_run_launcher():
    values = _values()
    assert values["postgresql"]["enabled"] is False
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["telemetry"]["enabled"] is False
    pools = values["concurrency"]["pools"]
    assert pools == {"granularity": "op", "defaultLimit": 1}  # as docker/dagster.yaml
    docker_instance = yaml.safe_load((VALUES.parents[1] / "dagster.yaml").read_text())
    assert docker_instance["concurrency"]["pools"]["default_limit"] == pools["defaultLimit"]
    # The same database driver as the compose stack's instance.
    docker_db = docker_instance["storage"]["postgres"]["postgres_db"]
    assert values["postgresql"].get("postgresqlScheme") == docker_db.get("scheme")
