"""One ``pop run`` at a time per project home: a second one waits, interruptibly, for the first.

Steps of two in-process runs on one home would queue on the pools anyway (one DuckDB writer, one
GPU), but Dagster waits for a pool slot in a loop that neither sleeps nor honours SIGINT/SIGTERM.
Queueing whole runs on a file lock instead waits in the kernel, costs no CPU and stops at once on
Ctrl-C or SIGTERM; the kernel releases the lock when its holder dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

RUN_LOCK_NAME = "pop-run.lock"


@contextmanager
def exclusive_home_run(home: Path, log: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold ``home``'s run lock for the block; if another process holds it, say so and wait."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / RUN_LOCK_NAME
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 64, 0).decode(errors="replace").strip() or "?"
            if log:
                log(
                    f"another pop run (pid {holder}) is running on {home}: waiting for it to "
                    "finish (Ctrl-C to stop waiting)"
                )
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # interrupted by SIGINT/SIGTERM as usual
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock
