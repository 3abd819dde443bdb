"""`pop ui` starts a real Dagster webserver (and daemon) on the project's instance."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from pop_pipeline_tests.s3_server import free_port


def test_ui_serves_the_code_location(tmp_path):
    port = free_port()
    env = {**os.environ, "POP_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dh")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pop_pipeline.cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        body = ""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(1)
        assert "dagster_webserver_version" in body, "the UI did not answer"
        assert (tmp_path / "dh" / "dagster.yaml").read_text().count("enabled: false") == 1
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
