"""The processes descending from one process, read from Linux's ``/proc``.

A process is identified by its pid *and* its start time, so a pid the kernel has since reused
for an unrelated process is never taken for the one we saw. Elsewhere than Linux (no ``/proc``)
every function finds nothing: callers fall back on process groups.
"""

from __future__ import annotations

import ctypes
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass(frozen=True)
class ProcessId:
    pid: int
    start_ticks: int  # field 22 of /proc/PID/stat: clock ticks after boot when it started


@dataclass(frozen=True)
class _Stat:
    ppid: int
    state: str  # R, S, D, Z (zombie: exited, not yet reaped), ...
    start_ticks: int


def _stat(pid: int) -> _Stat | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    return _Stat(ppid=int(fields[1]), state=fields[0], start_ticks=int(fields[19]))


def descendants(root_pid: int) -> set[ProcessId]:
    """Every live process below ``root_pid`` (children, their children, ...), zombies left out."""
    children: dict[int, list[tuple[int, _Stat]]] = {}
    for entry in PROC.glob("[0-9]*") if PROC.is_dir() else ():
        stat = _stat(int(entry.name))
        if stat is not None:
            children.setdefault(stat.ppid, []).append((int(entry.name), stat))
    found: set[ProcessId] = set()
    pending = [root_pid]
    while pending:
        for pid, stat in children.get(pending.pop(), []):
            pending.append(pid)
            if stat.state != "Z":
                found.add(ProcessId(pid, stat.start_ticks))
    return found


def is_alive(process: ProcessId) -> bool:
    """Still running (not exited, not a zombie, not a new process that reuses the pid)."""
    stat = _stat(process.pid)
    return stat is not None and stat.state != "Z" and stat.start_ticks == process.start_ticks


def parent_pid(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else stat.ppid


def become_child_subreaper() -> bool:
    """Ask Linux to re-parent to this process (not to init) every descendant whose own parent
    exits, so that they stay our descendants and can still be found and stopped. ``False``
    where the call is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_adopted(processes: set[ProcessId]) -> None:
    """Collect the exit status of those of ``processes`` that are our (adopted) children, so no
    zombie is left behind."""
    for process in processes:
        if parent_pid(process.pid) == os.getpid():
            with suppress(ChildProcessError):  # already collected
                os.waitpid(process.pid, os.WNOHANG)
