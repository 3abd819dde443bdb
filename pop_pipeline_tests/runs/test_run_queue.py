"""One ``pop run`` per home: the second waits for the first, in the kernel."""

import subprocess
import sys
import threading
import time

from pop_pipeline.runs.run_queue import RUN_LOCK_NAME, exclusive_home_run

HOLD = """
import sys, time
from pathlib import Path
from pop_pipeline.runs.run_queue import exclusive_home_run
with exclusive_home_run(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_run_waits_until_the_first_releases_the_home(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path), "2"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    said: list[str] = []
    started = time.monotonic()
    with exclusive_home_run(tmp_path, log=said.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5
    assert said and f"pid {holder.pid}" in said[0] and "waiting" in said[0]


def test_the_lock_is_free_again_after_the_block_and_after_a_kill(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path), "600"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    holder.kill()
    holder.wait()
    done = threading.Event()

    def take() -> None:
        with exclusive_home_run(tmp_path):
            done.set()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(timeout=10)
    assert done.is_set()
    assert (tmp_path / RUN_LOCK_NAME).exists()
