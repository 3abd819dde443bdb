"""docker/create_buckets.py (the compose `minio-init` job) against a real S3 endpoint (moto)."""

import os
import subprocess
import sys
from pathlib import Path

import boto3

from pop_pipeline_tests.servers.s3 import s3_endpoint

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "create_buckets.py"


def _run(*buckets: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *buckets],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_creates_missing_buckets_once_and_is_idempotent(monkeypatch):
    with s3_endpoint(monkeypatch) as url:
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        client.create_bucket(Bucket="pop-mlflow")  # already there: left alone
        client.put_object(Bucket="pop-mlflow", Key="keep.txt", Body=b"x")

        first = _run("pop-raw", "pop-mlflow")
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            "s3://pop-raw: created",
            "s3://pop-mlflow: already there",
        ]
        second = _run("pop-raw", "pop-mlflow")
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines() == [
            "s3://pop-raw: already there",
            "s3://pop-mlflow: already there",
        ]
        names = sorted(bucket["Name"] for bucket in client.list_buckets()["Buckets"])
        assert names == ["pop-mlflow", "pop-raw"]
        assert client.get_object(Bucket="pop-mlflow", Key="keep.txt")["Body"].read() == b"x"


def test_fails_without_bucket_names():
    result = _run()
    assert result.returncode == 2
    assert "Usage" in result.stderr
