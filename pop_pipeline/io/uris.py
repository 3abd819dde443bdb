"""Read bytes from a local path, a ``file://`` URI or an ``s3://`` URI with one call."""

from __future__ import annotations

from pathlib import Path

from pop_pipeline.io import s3


def read_uri_bytes(uri: str) -> bytes:
    """The whole content behind ``uri`` (local path, ``file://`` or ``s3://``)."""
    if s3.is_s3_uri(uri):
        return s3.read_bytes(s3.S3Location.parse(uri))
    return local_path(uri).read_bytes()


def local_path(uri: str) -> Path:
    if uri.startswith("file://"):
        return Path(uri[len("file://") :])
    return Path(uri)


def join_uri(base: str, relative: str) -> str:
    """Resolve ``relative`` (a media ``url`` from the raw format) against a raw-data root."""
    if s3.is_s3_uri(relative) or relative.startswith("/") or relative.startswith("file://"):
        return relative
    if s3.is_s3_uri(base):
        return s3.S3Location.parse(base).join(relative).uri
    return str(local_path(base) / relative)
