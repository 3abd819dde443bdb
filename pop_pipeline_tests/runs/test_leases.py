"""Run leases: held while their process lives, free the moment it dies (even by kill -9)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pop_pipeline.runs.leases import (
    LEASE_TAG,
    acquire_process_lease,
    lease_is_held,
    leases_dir,
    remove_stale_leases,
)

HOLD_LEASE = """
import sys, time
from pop_pipeline.runs.leases import acquire_process_lease
lease = acquire_process_lease(sys.argv[1])
print(lease.path, flush=True)
time.sleep(600)
"""


def _start_holder(root: Path) -> tuple[subprocess.Popen, Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LEASE, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_a_lease_is_held_while_its_process_lives_and_free_after_kill_9(tmp_path):
    process, path = _start_holder(tmp_path)
    try:
        assert path.parent == leases_dir(tmp_path) and path.exists()
        assert lease_is_held(path)
        assert remove_stale_leases(tmp_path) == 0 and path.exists()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert not lease_is_held(path)  # the kernel dropped the lock with the process
    assert remove_stale_leases(tmp_path) == 1 and not path.exists()


def test_one_lease_per_process_and_it_counts_as_held_from_inside(tmp_path):
    lease = acquire_process_lease(tmp_path)
    assert acquire_process_lease(tmp_path) is lease
    assert lease.pid == os.getpid()
    assert lease.tags[LEASE_TAG] == lease.path.name
    assert lease_is_held(lease.path)


def test_a_missing_lease_file_is_not_held(tmp_path):
    assert not lease_is_held(tmp_path / "gone.lease")


def test_a_clean_exit_removes_the_lease_file(tmp_path):
    script = (
        "import sys; from pop_pipeline.runs.leases import acquire_process_lease;"
        "print(acquire_process_lease(sys.argv[1]).path)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    path = Path(out.stdout.strip())
    deadline = time.monotonic() + 5
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not path.exists()
