"""Environment-driven settings shared by the CLI, the Dagster definitions and the models.

Every setting comes from an environment variable with a local, embedded default (DESIGN.md,
"Environment"). Importing this module also turns telemetry off for Dagster, MLflow and Great
Expectations, in this process and in every subprocess it starts (they inherit ``os.environ``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TELEMETRY_OFF = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def disable_telemetry() -> None:
    """Set the telemetry switches in ``os.environ`` unless the user already chose a value."""
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)


disable_telemetry()


@dataclass(frozen=True)
class PopSettings:
    """Resolved locations of the embedded default (all under ``POP_HOME``)."""

    home: Path  # POP_HOME: DuckDB file, Dagster home, MLflow store, generated worlds

    @property
    def duckdb_path(self) -> Path:
        return self.home / "pop.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    @property
    def worlds_dir(self) -> Path:
        return self.home / "worlds"

    @property
    def artifacts_dir(self) -> Path:
        """Large tensors and checkpoints referenced from DuckDB."""
        return self.home / "artifacts"

    @property
    def mlflow_tracking_uri(self) -> str:
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.home / 'mlflow.db'}"

    @property
    def mlflow_artifact_root(self) -> str:
        return (self.home / "mlartifacts").as_uri()

    @property
    def raw_uri(self) -> str:
        return os.environ.get("POP_RAW_URI") or str(self.worlds_dir / "demo")


def get_settings() -> PopSettings:
    """Read the settings from the environment now (tests change ``POP_HOME`` between runs)."""
    home = Path(os.environ.get("POP_HOME", ".pop")).expanduser().resolve()
    return PopSettings(home=home)
