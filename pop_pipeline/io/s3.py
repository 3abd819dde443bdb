"""S3 access through boto3: client construction, URI parsing, paginated listing, retries.

Endpoints and credentials come only from the environment: ``POP_S3_ENDPOINT_URL`` (an
S3-compatible store such as MinIO or moto's server) and the usual ``AWS_*`` variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pop_pipeline.io.bounded_read import read_capped


@dataclass(frozen=True)
class S3Location:
    """A bucket and key (or key prefix) parsed from ``s3://bucket/key``."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        if not uri.startswith("s3://"):
            raise ValueError(f"not an s3:// URI: {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"s3 URI without a bucket: {uri!r}")
        return cls(bucket=bucket, key=key)

    def join(self, relative: str) -> S3Location:
        prefix = self.key.rstrip("/")
        return S3Location(self.bucket, f"{prefix}/{relative}" if prefix else relative)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def is_s3_uri(uri: str) -> bool:
    return uri.startswith("s3://")


@lru_cache(maxsize=8)
def _client(endpoint_url: str | None, region: str | None) -> Any:
    # Retries with exponential backoff on throttling and transient network errors.
    config = Config(retries={"max_attempts": 8, "mode": "adaptive"}, max_pool_connections=32)
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


def s3_client() -> Any:
    """A boto3 S3 client for ``POP_S3_ENDPOINT_URL`` (or AWS when unset)."""
    endpoint = os.environ.get("POP_S3_ENDPOINT_URL") or os.environ.get("MLFLOW_S3_ENDPOINT_URL")
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return _client(endpoint or None, region)


def list_keys(location: S3Location) -> Iterator[str]:
    """Yield every key under the prefix, following pagination, in S3's (lexicographic) order."""
    prefix = location.key.rstrip("/") + "/" if location.key else ""
    paginator = s3_client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=location.bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]


def read_bytes(location: S3Location, max_bytes: int | None = None) -> bytes:
    """The object's content; with ``max_bytes``, at most ``max_bytes + 1`` bytes are read and a
    larger object is refused (:class:`~pop_pipeline.io.bounded_read.ReadRefused`, ``too_large``).
    """
    response = s3_client().get_object(Bucket=location.bucket, Key=location.key)
    body = response["Body"]
    try:
        return read_capped(body, max_bytes, location.uri)
    finally:
        body.close()


def iter_chunks(location: S3Location, chunk_bytes: int) -> Iterator[bytes]:
    """Stream an object in chunks without holding it all in memory."""
    response = s3_client().get_object(Bucket=location.bucket, Key=location.key)
    yield from response["Body"].iter_chunks(chunk_size=chunk_bytes)


def download_file(location: S3Location, destination: str) -> None:
    s3_client().download_file(location.bucket, location.key, destination)


def upload_file(source: str, location: S3Location) -> None:
    s3_client().upload_file(source, location.bucket, location.key)


def head_object(location: S3Location) -> dict[str, Any] | None:
    """The object's metadata (``ETag``, ``LastModified``, ``ContentLength``), ``None`` if absent."""
    try:
        return s3_client().head_object(Bucket=location.bucket, Key=location.key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
