"""A real Dagster UI for tests: ``pop ui`` (``dg dev``: webserver and daemon) in a subprocess.

The daemon matters: runs launched from the UI are queued and only the daemon dequeues them. The
server runs as a ``background_process`` (its own session, output in a log file, stopped like
Ctrl-C, then whatever is left of its process group is terminated).
"""

import json
import os
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pop_pipeline_tests.servers.ports import free_port, wait_for_http
from pop_pipeline_tests.servers.processes import background_process, log_tail

START_TIMEOUT_S = 240  # loading the definitions imports torch and open_clip: slow on 2 cores


@dataclass(frozen=True)
class DagsterUI:
    url: str  # http://127.0.0.1:PORT
    log: Path  # the webserver's and daemon's output

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's output; ``dg dev`` echoes every run's event log here."""
        return log_tail(self.log, chars)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """POST ``query`` to the webserver's ``/graphql`` and return ``data``; raise on errors."""
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            answer = json.load(reply)
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]


@contextmanager
def dagster_ui(pop_home: Path, env: dict[str, str] | None = None) -> Iterator[DagsterUI]:
    """Start ``pop ui`` with ``POP_HOME=pop_home`` and ``DAGSTER_HOME`` inside it; yield it once
    ``/server_info`` answers.

    ``env`` adds variables (e.g. ``POP_RAW_URI``) to the inherited environment.
    """
    port = free_port()
    full_env = {
        **os.environ,
        "POP_HOME": str(pop_home),
        "DAGSTER_HOME": str(pop_home / "dagster_home"),
        **(env or {}),
    }
    ui = DagsterUI(url=f"http://127.0.0.1:{port}", log=pop_home / "ui.log")
    command = [sys.executable, "-m", "pop_pipeline.cli", "ui", "--port", str(port)]
    with background_process(command, full_env, ui.log) as process:
        try:
            wait_for_http(f"{ui.url}/server_info", START_TIMEOUT_S, process)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n--- ui.log ---\n{ui.log_tail()}") from error
        yield ui
