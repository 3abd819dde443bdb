"""Run leases: a file lock held by the process that orchestrates a run, for as long as it lives.

A run is *alive* while the process executing it holds an exclusive ``flock`` on its lease file.
The kernel drops the lock when that process dies, however it dies (``kill -9`` included), so any
other process can tell a live run from an abandoned one without trusting process ids (which the
system reuses). One lease per process serves every run it executes; the run records which lease
it lives under in its tags (:data:`LEASE_TAG`, :data:`LEASE_HOST_TAG`).

Leases are files under ``$DAGSTER_HOME/run_leases/`` and mean something only on the host that
wrote them; runs orchestrated elsewhere (a Kubernetes pod) are left to Dagster's run monitoring.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

LEASE_TAG = "pop/run_lease"  # the lease file's name, under the instance's run_leases/
LEASE_HOST_TAG = "pop/run_lease_host"  # the host whose filesystem holds it
LEASE_PID_TAG = "pop/run_pid"  # for people reading the run's tags; never trusted for liveness
LEASES_DIR = "run_leases"
LEASE_SUFFIX = ".lease"


def leases_dir(instance_root: str | os.PathLike[str]) -> Path:
    """Where the instance rooted at ``instance_root`` (``$DAGSTER_HOME``) keeps its leases."""
    return Path(instance_root) / LEASES_DIR


@dataclass(frozen=True)
class RunLease:
    """This process's lease: its file and the tags a run carries to point at it."""

    path: Path
    host: str
    pid: int

    @property
    def tags(self) -> dict[str, str]:
        return {LEASE_TAG: self.path.name, LEASE_HOST_TAG: self.host, LEASE_PID_TAG: str(self.pid)}


_held: dict[Path, tuple[RunLease, int]] = {}  # lease folder -> (lease, open descriptor)
_held_lock = threading.Lock()


def acquire_process_lease(instance_root: str | os.PathLike[str]) -> RunLease:
    """This process's lease in ``instance_root`` (taken on first use, held until it exits)."""
    folder = leases_dir(instance_root).resolve()
    with _held_lock:
        held = _held.get(folder)
        if held is not None and held[0].pid == os.getpid():
            return held[0]
        folder.mkdir(parents=True, exist_ok=True)
        host = socket.gethostname()
        path = folder / f"{host}-{os.getpid()}-{uuid.uuid4().hex[:12]}{LEASE_SUFFIX}"
        # Locked under a temporary name, then renamed: a lease file is never seen unlocked
        # while its owner lives (remove_stale_leases only looks at *.lease).
        pending = path.with_suffix(".pending")
        descriptor = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh name: never contended
        os.write(descriptor, f"{os.getpid()}\n".encode())
        os.rename(pending, path)
        lease = RunLease(path=path, host=host, pid=os.getpid())
        _held[folder] = (lease, descriptor)
        return lease


def _release_all() -> None:
    with _held_lock:
        for lease, descriptor in _held.values():
            if lease.pid != os.getpid():  # inherited by a fork: the parent's, not ours
                continue
            lease.path.unlink(missing_ok=True)
            os.close(descriptor)
        _held.clear()


atexit.register(_release_all)


def lease_is_held(path: Path) -> bool:
    """Whether a live process holds the lease at ``path`` (a missing file is not held)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing drops the shared lock we may have taken
    return False


def remove_stale_leases(instance_root: str | os.PathLike[str]) -> int:
    """Delete lease files no live process holds (left by processes that were killed)."""
    folder = leases_dir(instance_root)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob(f"*{LEASE_SUFFIX}"):
        if not lease_is_held(path):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
