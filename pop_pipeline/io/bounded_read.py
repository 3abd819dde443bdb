"""Read local files safely: regular files only, never blocking, never more than a cap.

A path is opened with ``O_NONBLOCK`` (so a FIFO never blocks the open) and checked with
``fstat`` before a single byte is read: directories, FIFOs, sockets and devices are refused
(``/dev/zero`` could otherwise be read without end). A read with a cap reads at most ``cap + 1``
bytes and refuses the file when it gets more.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Protocol


class ReadRefused(ValueError):
    """A read that confinement or a limit forbids; ``reason`` names the rule.

    Reasons: ``outside_drop``, ``symlink_outside_drop``, ``oracle``, ``not_regular_file``,
    ``too_large``, ``s3_outside_drop``, ``remote_url``, ``unsupported_url``, ``invalid_url``.
    The ingestion prefixes them (``media_too_large`` for a media url, ``refused_...`` for a
    file of the drop).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Readable(Protocol):
    """A file object or an S3 streaming body: anything with ``read(size)``."""

    def read(self, size: int = ..., /) -> bytes: ...


@contextmanager
def open_regular_file(path: str, *, follow_symlinks: bool = True) -> Iterator[BinaryIO]:
    """Open ``path`` for reading if it is a regular file, without ever blocking on a FIFO.

    Raises:
        ReadRefused: ``not_regular_file`` for a directory, FIFO, socket or device.
        OSError: the usual errors (``FileNotFoundError``, ``NotADirectoryError``, ...).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise ReadRefused("not_regular_file", f"{path} is not a regular file ({_kind(mode)})")
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        yield handle


def read_regular_file(path: str, max_bytes: int | None, *, follow_symlinks: bool = True) -> bytes:
    """The content of the regular file ``path``; refused (``too_large``) above ``max_bytes``."""
    with open_regular_file(path, follow_symlinks=follow_symlinks) as handle:
        return read_capped(handle, max_bytes, path)


def read_capped(handle: Readable, max_bytes: int | None, name: str) -> bytes:
    """Read at most ``max_bytes + 1`` bytes from ``handle``; more than ``max_bytes`` is refused."""
    if max_bytes is None:
        return handle.read()
    data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ReadRefused("too_large", f"{name} is larger than the {max_bytes:,}-byte limit")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"
