"""A real S3 endpoint for tests: moto's server on a free loopback port."""

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
def s3_endpoint(monkeypatch) -> Iterator[str]:
    """Start moto's S3 server, point ``POP_S3_ENDPOINT_URL`` at it, yield the URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POP_S3_ENDPOINT_URL", url)
    try:
        yield url
    finally:
        server.stop()


def upload_tree(url: str, root: Path, bucket: str, prefix: str) -> None:
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")
