"""Where raw data lives: a local directory or an ``s3://bucket/prefix``, behind one interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pop_pipeline.io import s3
from pop_pipeline.io.uris import join_uri, local_path

CHUNK_BYTES = 1 << 20


class RawSource(Protocol):
    """Read access to one raw drop (the files of the raw format, WORLD.md)."""

    uri: str

    def list_files(self) -> list[str]:
        """Every file's path relative to the root, sorted."""
        ...

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        """The file's bytes, streamed in chunks."""
        ...

    def read_bytes(self, relative: str) -> bytes: ...

    def resolve(self, relative: str) -> str:
        """An absolute URI (local path or s3://) for a path relative to the root."""
        ...


@dataclass(frozen=True)
class LocalRawSource:
    uri: str

    @property
    def root(self) -> Path:
        return local_path(self.uri)

    def list_files(self) -> list[str]:
        if not self.root.is_dir():
            raise FileNotFoundError(f"raw data directory does not exist: {self.root}")
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file()
        )

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        with open(self.root / relative, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    def read_bytes(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def resolve(self, relative: str) -> str:
        return join_uri(str(self.root), relative)


@dataclass(frozen=True)
class S3RawSource:
    uri: str

    @property
    def location(self) -> s3.S3Location:
        return s3.S3Location.parse(self.uri.rstrip("/"))

    def list_files(self) -> list[str]:
        prefix = self.location.key.rstrip("/")
        cut = len(prefix) + 1 if prefix else 0
        return sorted(key[cut:] for key in s3.list_keys(self.location) if not key.endswith("/"))

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        yield from s3.iter_chunks(self.location.join(relative), CHUNK_BYTES)

    def read_bytes(self, relative: str) -> bytes:
        return s3.read_bytes(self.location.join(relative))

    def resolve(self, relative: str) -> str:
        return join_uri(self.location.uri, relative)


def open_raw_source(uri: str) -> RawSource:
    """The source for a directory path, ``file://`` URI or ``s3://bucket/prefix``."""
    if s3.is_s3_uri(uri):
        return S3RawSource(uri.rstrip("/"))
    return LocalRawSource(str(local_path(uri).expanduser().resolve()))
