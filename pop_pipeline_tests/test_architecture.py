"""The architecture holds: the import contracts of pyproject.toml ``[tool.importlinter]`` pass.

The contracts are the layers (cli > definitions > defs > scoring | evaluation > ranking |
regression > registry | filtering > ml), the two model families apart, and ``ml`` free of
Dagster, DuckDB and MLflow. ``lint-imports`` analyses the package found first on ``PYTHONPATH``,
so this checkout's code is what is checked.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(config: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on ``config`` with ``package_parent`` first on the import path."""
    path = os.pathsep.join([str(package_parent), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)],
        cwd=package_parent,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_contracts_are_kept():
    result = lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_layer_fails_the_check(tmp_path):
    """The check can fail: a lower layer importing a higher one breaks the contract."""
    package = tmp_path / "toy_layers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("")
    (package / "low.py").write_text("import toy_layers.high\n")
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "toy_layers"\n\n'
        '[[tool.importlinter.contracts]]\nname = "high above low"\ntype = "layers"\n'
        'layers = ["toy_layers.high", "toy_layers.low"]\n'
    )
    result = lint_imports(config, tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
