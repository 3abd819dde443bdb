"""mypy passes over the packages ``[tool.mypy]`` in pyproject.toml lists (the task packages
``ranking/`` and ``regression/`` and the ``registry/``)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_mypy(*args: str) -> subprocess.CompletedProcess[str]:
    """mypy with this checkout first on the import path, its config from pyproject.toml."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_mypy_passes_on_the_typed_packages():
    result = run_mypy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_reports_a_type_error(tmp_path):
    """The check can fail: a wrongly typed call is an error."""
    module = tmp_path / "wrong.py"
    module.write_text('def twice(x: int) -> int:\n    return 2 * x\n\n\ntwice("a")\n')
    result = run_mypy(str(module))
    assert result.returncode != 0
    assert "arg-type" in result.stdout
