"""Run the ``pop`` command line in a fresh process, as a user would."""

import os
import subprocess
import sys


def run_pop_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m pop_pipeline.cli ARGS`` with this environment (plus ``env``), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pop_pipeline.cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
