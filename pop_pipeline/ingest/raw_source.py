"""Where raw data lives: a local directory or an ``s3://bucket/prefix``, behind one interface.

Every read is confined to the drop. A local drop never reads through a symlink leading out of
it (real paths are compared), never reads a FIFO, device or directory (checked with ``fstat`` on
a non-blocking open), and never reads ``oracle/`` for a media url. A media url may be relative,
or an absolute path or ``file://`` URI that lies inside the drop; ``..`` may not leave it. On an
S3 drop a media url is relative (no ``..`` segment) or an ``s3://`` URI under the drop's own
bucket and prefix; a local drop reads no ``s3://`` url at all, and no drop fetches ``http(s)``.
A refusal raises :class:`~pop_pipeline.io.bounded_read.ReadRefused` with its reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from pop_pipeline.io import s3
from pop_pipeline.io.bounded_read import ReadRefused, open_regular_file, read_regular_file
from pop_pipeline.io.uris import join_uri, local_path

CHUNK_BYTES = 1 << 20
ORACLE_DIR = "oracle"


@dataclass(frozen=True)
class SourceListing:
    """The drop's readable files, and the entries refused with why (``refused_...``)."""

    files: list[str]
    refused: dict[str, str] = field(default_factory=dict)


class RawSource(Protocol):
    """Read access to one raw drop (the files of the raw format, WORLD.md)."""

    uri: str

    def scan(self) -> SourceListing:
        """Every readable file's path relative to the root (sorted), and the refused entries."""
        ...

    def list_files(self) -> list[str]:
        """Every readable file's path relative to the root, sorted."""
        ...

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        """The file's bytes, streamed in chunks."""
        ...

    def read_bytes(self, relative: str, max_bytes: int | None = None) -> bytes:
        """The file's bytes; refused (``too_large``) when longer than ``max_bytes``."""
        ...

    def resolve(self, relative: str) -> str:
        """An absolute URI (local path or s3://) for a path relative to the root."""
        ...

    def media_path(self, url: str) -> str:
        """The drop-relative path a media ``url`` names, or :class:`ReadRefused`."""
        ...


def refused_status(reason: str) -> str:
    """The ``raw_files`` status of a drop file refused for ``reason`` (a ReadRefused reason)."""
    if reason in ("outside_drop", "symlink_outside_drop"):
        return "refused_outside_drop"
    if reason == "not_regular_file":
        return "refused_not_regular"
    return f"refused_{reason}"


def _remote_or_unsupported(url: str) -> None:
    if url.startswith(("http://", "https://")):
        raise ReadRefused("remote_url", f"remote media url {url} is never fetched")
    if "\x00" in url:
        raise ReadRefused("invalid_url", "media url holds a NUL character")


def _refuse_oracle(relative: str, url: str) -> None:
    if relative == ORACLE_DIR or relative.startswith(ORACLE_DIR + "/"):
        raise ReadRefused("oracle", f"{url} lies in the oracle, which ingestion never reads")


@dataclass(frozen=True)
class LocalRawSource:
    uri: str

    @property
    def root(self) -> Path:
        return local_path(self.uri)

    @property
    def _real_root(self) -> str:
        return os.path.realpath(self.root)

    def _inside(self, path: str, root: str) -> bool:
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    def scan(self) -> SourceListing:
        if not self.root.is_dir():
            raise FileNotFoundError(f"raw data directory does not exist: {self.root}")
        root, real_root = str(self.root), self._real_root
        files: list[str] = []
        refused: dict[str, str] = {}
        for folder, directories, names in os.walk(root, followlinks=False):
            # a symlinked folder is not walked: one leading out is refused, one inside is
            # listed where it really is
            links = [d for d in directories if os.path.islink(os.path.join(folder, d))]
            for name in links:
                path = os.path.join(folder, name)
                if not self._inside(os.path.realpath(path), real_root):
                    relative = Path(path).relative_to(root).as_posix()
                    refused[relative] = refused_status("outside_drop")
            for name in names:
                path = os.path.join(folder, name)
                relative = Path(path).relative_to(root).as_posix()
                status = self._entry_status(path, real_root)
                if status is None:
                    files.append(relative)
                else:
                    refused[relative] = status
        return SourceListing(sorted(files), refused)

    def _entry_status(self, path: str, real_root: str) -> str | None:
        """``None`` for a readable regular file, else the ``refused_...`` status."""
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                if not self._inside(os.path.realpath(path), real_root):
                    return refused_status("outside_drop")
                mode = os.stat(path).st_mode
        except OSError:
            return refused_status("not_regular_file")  # a dangling link, a vanished entry
        return None if stat.S_ISREG(mode) else refused_status("not_regular_file")

    def list_files(self) -> list[str]:
        return self.scan().files

    def _confined(self, relative: str) -> str:
        """The real path of ``relative``, which must stay inside the drop, links resolved."""
        lexical = os.path.normpath(os.path.join(self.root, relative))
        if not self._inside(lexical, str(self.root)):
            raise ReadRefused("outside_drop", f"{relative} lies outside the drop {self.root}")
        real = os.path.realpath(lexical)
        if not self._inside(real, self._real_root):
            raise ReadRefused(
                "symlink_outside_drop", f"{relative} is a symlink leading out of the drop"
            )
        return real

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        with open_regular_file(self._confined(relative), follow_symlinks=False) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    def read_bytes(self, relative: str, max_bytes: int | None = None) -> bytes:
        return read_regular_file(self._confined(relative), max_bytes, follow_symlinks=False)

    def resolve(self, relative: str) -> str:
        return join_uri(str(self.root), relative)

    def media_path(self, url: str) -> str:
        _remote_or_unsupported(url)
        if s3.is_s3_uri(url):
            raise ReadRefused("s3_outside_drop", f"{url}: a local drop reads no s3:// url")
        if url.startswith("file:"):
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise ReadRefused("outside_drop", f"{url} names another host")
            path = unquote(parts.path)
        elif "://" in url:
            raise ReadRefused("unsupported_url", f"{url}: only relative paths are read")
        else:
            path = url
        lexical = os.path.normpath(os.path.join(self.root, path))
        if not self._inside(lexical, str(self.root)) or lexical == str(self.root):
            raise ReadRefused("outside_drop", f"{url} lies outside the drop {self.root}")
        relative = Path(lexical).relative_to(self.root).as_posix()
        _refuse_oracle(relative, url)
        real = self._confined(relative)
        _refuse_oracle(Path(real).relative_to(self._real_root).as_posix(), url)
        return relative


@dataclass(frozen=True)
class S3RawSource:
    uri: str

    @property
    def location(self) -> s3.S3Location:
        return s3.S3Location.parse(self.uri.rstrip("/"))

    def scan(self) -> SourceListing:
        prefix = self.location.key.rstrip("/")
        cut = len(prefix) + 1 if prefix else 0
        keys = (key[cut:] for key in s3.list_keys(self.location) if not key.endswith("/"))
        return SourceListing(sorted(keys))

    def list_files(self) -> list[str]:
        return self.scan().files

    def iter_chunks(self, relative: str) -> Iterator[bytes]:
        yield from s3.iter_chunks(self.location.join(relative), CHUNK_BYTES)

    def read_bytes(self, relative: str, max_bytes: int | None = None) -> bytes:
        return s3.read_bytes(self.location.join(relative), max_bytes)

    def resolve(self, relative: str) -> str:
        return join_uri(self.location.uri, relative)

    def media_path(self, url: str) -> str:
        _remote_or_unsupported(url)
        root = self.location
        prefix = root.key.strip("/")
        if s3.is_s3_uri(url):
            target = s3.S3Location.parse(url)
            inside = target.bucket == root.bucket and (
                not prefix or target.key.startswith(prefix + "/")
            )
            if not inside:
                raise ReadRefused(
                    "s3_outside_drop", f"{url} lies outside the drop {root.uri.rstrip('/')}"
                )
            relative = target.key[len(prefix) + 1 :] if prefix else target.key
        elif "://" in url or url.startswith(("/", "file:")):
            raise ReadRefused("outside_drop", f"{url}: an S3 drop reads only its own keys")
        else:
            relative = url
        if not relative or ".." in relative.split("/") or relative.startswith("/"):
            raise ReadRefused("outside_drop", f"{url} leaves the drop's prefix")
        _refuse_oracle(relative, url)
        return relative


def open_raw_source(uri: str) -> RawSource:
    """The source for a directory path, ``file://`` URI or ``s3://bucket/prefix``."""
    if s3.is_s3_uri(uri):
        return S3RawSource(uri.rstrip("/"))
    return LocalRawSource(str(local_path(uri).expanduser().resolve()))
