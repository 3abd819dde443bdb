"""`pop ui` starts a real Dagster webserver (and daemon) on the project's instance."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from pop_pipeline_tests.servers.ports import free_port


def _server_info(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as reply:
            return reply.read().decode()
    except OSError:
        return ""


def test_ui_serves_the_code_location(tmp_path):
    port = free_port()
    env = {**os.environ, "POP_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dh")}
    with open(tmp_path / "ui.log", "wb") as log:  # a file, not a pipe nobody drains
        process = subprocess.Popen(
            [sys.executable, "-m", "pop_pipeline.cli", "ui", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            body = ""
            while not body and time.monotonic() < deadline and process.poll() is None:
                body = _server_info(port)
                if not body:
                    time.sleep(1)  # polling the server until it answers
            output = (tmp_path / "ui.log").read_text(errors="replace")[-3000:]
            assert "dagster_webserver_version" in body, output
            assert (tmp_path / "dh" / "dagster.yaml").read_text().count("enabled: false") == 1
        finally:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: dagster dev shuts down
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
