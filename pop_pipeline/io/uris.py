"""Read bytes from a local path, a ``file://`` URI or an ``s3://`` URI with one call."""

from __future__ import annotations

from pathlib import Path

from pop_pipeline.io import s3
from pop_pipeline.io.bounded_read import read_regular_file


def read_uri_bytes(uri: str, max_bytes: int | None = None) -> bytes:
    """The content behind ``uri`` (local path, ``file://`` or ``s3://``).

    Local paths must be regular files (a FIFO or device raises
    :class:`~pop_pipeline.io.bounded_read.ReadRefused`); with ``max_bytes``, at most
    ``max_bytes + 1`` bytes are read and a larger content is refused (``too_large``).
    """
    if s3.is_s3_uri(uri):
        return s3.read_bytes(s3.S3Location.parse(uri), max_bytes)
    return read_regular_file(str(local_path(uri)), max_bytes)


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
