"""A real S3 endpoint for tests: moto's server on a free loopback port."""

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from pop_pipeline_tests.servers.ports import free_port

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's S3 server on a free port with no buckets; yield its URL.

    moto keeps its backends in process-global memory, shared by every server started in this
    process: without the reset a test would see the buckets of the tests before it.
    """
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        reset_moto(url)
        yield url
    finally:
        reset_moto(url)
        server.stop()


def reset_moto(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30):
        pass


@contextmanager
def s3_endpoint(monkeypatch) -> Iterator[str]:
    """Start moto's S3 server, point ``POP_S3_ENDPOINT_URL`` at it, yield the URL."""
    with moto_server() as url:
        for key, value in S3_ENV.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("POP_S3_ENDPOINT_URL", url)
        yield url


def upload_tree(url: str, root: Path, bucket: str, prefix: str) -> None:
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")
