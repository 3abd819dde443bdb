"""`run_supervised` leaves nothing behind: a process that ignores SIGINT and SIGTERM, and one
that left the process group and lost its parent, are both killed after the grace period."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc")

# The supervised command: a stubborn child (ignores SIGINT/SIGTERM, stays in the group) and an
# orphan in a session of its own (its parent shell exits at once); then it waits to be stopped.
TREE = textwrap.dedent(
    """
    import json, subprocess, sys, time
    out = sys.argv[1]
    stubborn = subprocess.Popen(["sh", "-c", "trap '' INT TERM; while :; do sleep 1; done"])
    subprocess.run(["sh", "-c", f"setsid sleep 600 & echo $! > {out}.orphan"], check=True)
    orphan = int(open(out + ".orphan").read())
    with open(out + ".tmp", "w") as handle:
        json.dump({"stubborn": stubborn.pid, "orphan": orphan}, handle)
    import os; os.replace(out + ".tmp", out)
    code = int(sys.argv[2])
    if code >= 0:
        time.sleep(1)
        sys.exit(code)
    try:
        time.sleep(600)
    except KeyboardInterrupt:  # the clean shutdown path: SIGINT, as dg dev expects
        open(out + ".interrupted", "w").close()
    """
)

SUPERVISOR = (
    "import sys; from pop_pipeline.operations.supervisor import run_supervised; "
    "sys.exit(run_supervised(sys.argv[1:], grace_s=2))"
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:\t", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited


def _start(tmp_path: Path, exit_code: int):
    script = tmp_path / "tree.py"
    script.write_text(TREE)
    pids_file = tmp_path / "pids.json"
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SUPERVISOR,
            sys.executable,
            str(script),
            str(pids_file),
            str(exit_code),
        ],
        start_new_session=True,  # a stray signal to the test's group never reaches it
    )
    deadline = time.monotonic() + 60
    while not pids_file.exists():
        assert time.monotonic() < deadline and supervisor.poll() is None, "tree did not start"
        time.sleep(0.1)
    return supervisor, json.loads(pids_file.read_text())


def _wait_gone(pids: dict[str, int], timeout_s: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [name for name, pid in pids.items() if _alive(pid)]
        if not left:
            return []
        time.sleep(0.2)
    return left


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_ends_the_whole_tree(tmp_path, signum, status):
    supervisor, pids = _start(tmp_path, exit_code=-1)
    try:
        assert all(_alive(pid) for pid in pids.values())
        os.kill(supervisor.pid, signum)
        assert supervisor.wait(30) == status
        assert (tmp_path / "pids.json.interrupted").exists()  # told to stop cleanly first
        assert _wait_gone(pids) == []
    finally:
        for pid in pids.values():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        supervisor.kill()


def test_a_command_that_exits_keeps_its_status_and_leaves_nothing(tmp_path):
    supervisor, pids = _start(tmp_path, exit_code=3)
    try:
        assert supervisor.wait(30) == 3
        assert _wait_gone(pids) == []
    finally:
        for pid in pids.values():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        supervisor.kill()
