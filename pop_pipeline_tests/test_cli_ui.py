"""`pop ui` starts a real Dagster webserver (and daemon) on the project's instance, with
`dg dev`, and stops every process it started on SIGTERM or SIGINT."""

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pop_pipeline_tests.servers.dagster_ui import START_TIMEOUT_S, dagster_ui
from pop_pipeline_tests.servers.ports import free_port, wait_for_http
from pop_pipeline_tests.servers.processes import background_process, log_tail

STOP_TIMEOUT_S = 120  # the supervisor's 30 s grace, then SIGKILL, with room on a loaded machine


def test_ui_serves_the_code_location(tmp_path):
    with (
        dagster_ui(tmp_path) as ui,
        urllib.request.urlopen(f"{ui.url}/server_info", timeout=30) as reply,
    ):
        body = reply.read().decode()
    assert "dagster_webserver_version" in body, ui.log_tail()
    dagster_yaml = (tmp_path / "dagster_home" / "dagster.yaml").read_text()
    assert dagster_yaml.count("enabled: false") == 1


# --- `pop ui` stops every process it started ---------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time in ticks) of every process, from /proc/PID/status and
    /proc/PID/stat."""
    table = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            status = (entry / "status").read_text()
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("State", "").startswith("Z"):
            continue  # exited, only its exit status is left
        table[int(entry.name)] = (int(fields["PPid"]), stat.rsplit(")", 1)[1].split()[19])
    return table


def _descendants(root: int) -> dict[int, str]:
    """pid -> start time of every live process below ``root``."""
    table = _processes()
    found, pending = {}, [root]
    while pending:
        parent = pending.pop()
        for pid, (ppid, started) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                pending.append(pid)
    return found


def _command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_to_pop_ui_stops_every_process_it_started(tmp_path, signum, status):
    port = free_port()
    log = tmp_path / "ui.log"
    env = {
        **os.environ,
        "POP_HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    command = [sys.executable, "-m", "pop_pipeline.cli", "ui", "--port", str(port)]
    recorded: dict[int, str] = {}
    with background_process(command, env, log) as pop:
        wait_for_http(f"http://127.0.0.1:{port}/server_info", START_TIMEOUT_S, pop)
        recorded = _descendants(pop.pid)
        command_lines = " | ".join(_command_line(pid) for pid in recorded)
        assert " dev " in command_lines and "--use-active-venv" in command_lines, command_lines
        assert "dagster_webserver" in command_lines and "dagster._daemon" in command_lines
        os.kill(pop.pid, signum)  # pop alone, as a service manager or `kill` would
        assert pop.wait(STOP_TIMEOUT_S) == status, log_tail(log)
        deadline = time.monotonic() + 15
        left = recorded
        while left and time.monotonic() < deadline:
            now = _processes()
            left = {pid: t for pid, t in recorded.items() if pid in now and now[pid][1] == t}
            time.sleep(0.5)
    assert left == {}, f"still running: {[_command_line(pid) for pid in left]}\n{log_tail(log)}"
