"""The project's Dagster instance: ``$DAGSTER_HOME``, defaulting to ``$POP_HOME/dagster_home``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pop_pipeline.settings import get_settings

TEMPLATE = Path(__file__).with_name("dagster.yaml")


def ensure_dagster_home() -> Path:
    """Set ``DAGSTER_HOME`` (unless set) and give it our ``dagster.yaml`` if it has none."""
    home = Path(os.environ.get("DAGSTER_HOME") or get_settings().dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(TEMPLATE, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
