"""Debian's Chromium for browser tests, installed with apt when it is missing.

Playwright drives it through ``executable_path``: ``playwright install`` would download a browser,
which this machine cannot do (ENVIRONMENT.md). The launch flags keep Chromium headless, offline
and quiet: no sandbox (tests run as root), no GPU, no background updates or sync.
"""

import os
import shutil
import subprocess

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_TIMEOUT_S = 900


class ChromiumUnavailable(RuntimeError):
    """Chromium is absent and cannot be installed here; the message says why."""


def chromium_executable() -> str:
    """The path of ``chromium``, installing Debian's package first when it is absent.

    Raises ``ChromiumUnavailable`` when it is absent and this process cannot install it (not
    root, no apt-get, or apt-get fails even after refreshing its package lists).
    """
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise ChromiumUnavailable("chromium is not installed and there is no apt-get to install it")
    if os.geteuid() != 0:
        raise ChromiumUnavailable(
            "chromium is not installed and installing it needs root: apt-get install -y chromium"
        )
    failure = _apt_get("install", "-y", "chromium")
    if failure:  # a fresh machine may have no package lists yet
        failure = _apt_get("update") or _apt_get("install", "-y", "chromium")
    found = shutil.which("chromium")
    if failure or not found:
        raise ChromiumUnavailable(f"apt-get could not install chromium: {failure or 'not on PATH'}")
    return found


def _apt_get(*arguments: str) -> str:
    """Run ``apt-get``; return ``""`` on success, else the tail of its output."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        result = subprocess.run(
            ["apt-get", "-q", *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"apt-get {' '.join(arguments)} ran past {INSTALL_TIMEOUT_S} s"
    if result.returncode == 0:
        return ""
    return f"apt-get {' '.join(arguments)} exited {result.returncode}: {result.stderr[-1500:]}"
