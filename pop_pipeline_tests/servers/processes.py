"""Long-running server processes for tests: logged to a file, stopped like Ctrl-C would."""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


@contextmanager
def background_process(
    command: list[str], env: dict[str, str], log_path: Path, cwd: str | None = None
) -> Iterator[subprocess.Popen]:
    """Start ``command`` in its own session, its output in ``log_path`` (a file nobody needs
    to drain); on exit stop the whole group (:func:`stop_process_group`)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen, grace_s: float = 60) -> None:
    """SIGINT to the group (what Ctrl-C does), up to ``grace_s`` for the leader to exit, then
    SIGTERM and finally SIGKILL to whatever is left of the group (a Dagster code server would
    otherwise linger until its heartbeat times out)."""
    if process.poll() is None:
        _signal_group(process, signal.SIGINT)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(30)
    _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while _group_alive(process) and time.monotonic() < deadline:
        time.sleep(0.5)  # polling until the group's last process has exited
    _signal_group(process, signal.SIGKILL)


def _group_alive(process: subprocess.Popen) -> bool:
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):  # every process of the group has already exited
        os.killpg(process.pid, signum)


def log_tail(log_path: Path, chars: int = 4000) -> str:
    return log_path.read_text(errors="replace")[-chars:] if log_path.exists() else ""
