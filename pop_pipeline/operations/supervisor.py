"""Run one long-lived command so that nothing it starts outlives it (``pop ui``).

The command runs in a session and process group of its own, and this process becomes a child
subreaper (Linux), so every process the command starts, even one whose parent has died, stays
findable as our descendant. On SIGINT or SIGTERM:

1. SIGINT goes to the command's whole process group: what Ctrl-C in a terminal does, and the
   signal ``dg dev`` / ``dagster dev`` stop cleanly on (they stop their webserver, daemon and
   code servers on a KeyboardInterrupt; a SIGTERM would kill the dev process alone and leave
   those running);
2. up to ``grace_s`` for the command and every descendant to exit (a second signal cuts it short);
3. SIGKILL to whatever is left of the group and of our descendants; their exit status is
   collected.

The exit status is the command's own, or 128 + the signal number when stopped by a signal
(130 for SIGINT, 143 for SIGTERM, as shells report them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress

from pop_pipeline.operations.process_tree import (
    ProcessId,
    become_child_subreaper,
    descendants,
    is_alive,
    reap_adopted,
)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 30.0  # for a clean shutdown (dagster dev gives each of its services up to 60 s)
KILL_WAIT_S = 10.0  # after SIGKILL, for the kernel to take the processes down
POLL_S = 0.2


class _StopRequests:
    """What the signal handler records: the first stop signal, and when the grace ends."""

    def __init__(self, child: subprocess.Popen, grace_s: float) -> None:
        self.child = child
        self.grace_s = grace_s
        self.signum: int | None = None
        self.deadline: float | None = None
        self.seen: set[ProcessId] = set()  # the descendants when the first signal came

    def handle(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            self.deadline = time.monotonic() + self.grace_s
            self.seen = descendants(os.getpid())
            _signal_group(self.child.pid, signal.SIGINT)
        else:  # a second Ctrl-C or SIGTERM: stop waiting
            self.deadline = time.monotonic()

    def overdue(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


def run_supervised(
    command: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    grace_s: float = GRACE_S,
) -> int:
    """Run ``command`` until it exits or a stop signal comes; leave no process of it behind.

    Returns the command's exit status, or 128 + the signal number after SIGINT/SIGTERM.
    """
    become_child_subreaper()
    child = subprocess.Popen(list(command), env=env, cwd=cwd, start_new_session=True)
    stops = _StopRequests(child, grace_s)
    previous = {signum: signal.signal(signum, stops.handle) for signum in STOP_SIGNALS}
    try:
        while child.poll() is None and not stops.overdue():
            time.sleep(POLL_S)
        _stop_everything_left(child, stops)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stops.signum is not None:
        return 128 + stops.signum
    code = child.returncode
    return 128 - code if code < 0 else code  # killed by a signal: as a shell reports it


def _stop_everything_left(child: subprocess.Popen, stops: _StopRequests) -> None:
    """After the command exited (or the grace ran out): the same grace for the descendants to
    finish exiting, then SIGKILL for the rest."""
    tracked = stops.seen | descendants(os.getpid())
    if stops.signum is None and (child.poll() is None or _alive(tracked)):
        # the command exited on its own and left processes (or we are unwinding an error)
        stops.deadline = time.monotonic() + stops.grace_s
        _signal_group(child.pid, signal.SIGINT)
    while (child.poll() is None or _alive(tracked)) and not stops.overdue():
        time.sleep(POLL_S)
        tracked |= descendants(os.getpid())
    tracked |= descendants(os.getpid())
    _signal_group(child.pid, signal.SIGKILL)
    for process in _alive(tracked):
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    adopted = {process for process in tracked if process.pid != child.pid}  # Popen reaps it
    deadline = time.monotonic() + KILL_WAIT_S
    while _alive(tracked) and time.monotonic() < deadline:
        reap_adopted(adopted)
        time.sleep(POLL_S)
    child.wait(KILL_WAIT_S)
    reap_adopted(adopted)


def _alive(processes: set[ProcessId]) -> set[ProcessId]:
    return {process for process in processes if is_alive(process)}


def _signal_group(group: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):  # the group has already exited
        os.killpg(group, signum)
