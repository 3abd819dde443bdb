"""The ``dg dev`` command ``pop ui`` runs: webserver, daemon and code server on our instance.

From a source checkout (the project root holds the ``pyproject.toml`` with ``[tool.dg]``), ``dg``
runs in that project: it reads ``[tool.dg.project]`` for the code location. ``--use-active-venv``
makes it load the code location with this interpreter instead of looking for a ``.venv`` (or
uv) next to the project, so it works in any environment the package is installed in, offline.
Installed without the source tree, it is pointed at the module instead (``-m``).
``DAGSTER_HOME`` is inherited from ``pop`` (:func:`pop_pipeline.instance.ensure_dagster_home`).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pop_pipeline

CODE_LOCATION_MODULE = "pop_pipeline.definitions"


def project_root() -> Path | None:
    """The folder holding this package and a ``pyproject.toml`` with ``[tool.dg]``, if any."""
    root = Path(pop_pipeline.__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    with open(pyproject, "rb") as handle:
        config = tomllib.load(handle)
    return root if "dg" in config.get("tool", {}) else None


def dg_dev_command(host: str, port: int) -> tuple[list[str], Path | None]:
    """``dg dev`` on ``host:port`` with this interpreter, and the folder to run it in."""
    root = project_root()
    script = Path(sys.executable).with_name("dg")  # the console script beside this interpreter
    dg = (
        [str(script), "dev"]
        if script.is_file()
        else [sys.executable, "-c", "from dagster_dg_cli.cli import main; main()", "dev"]
    )
    target = (
        ["--target-path", str(root), "--use-active-venv"]
        if root is not None
        else ["-m", CODE_LOCATION_MODULE]
    )
    return [*dg, *target, "--host", host, "--port", str(port)], root
