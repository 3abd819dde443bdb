"""Session fixtures: a `tiny` world and an isolated project home (DuckDB, MLflow, Dagster)."""

import os
from pathlib import Path

import pytest

# Before anything imports Dagster, MLflow or GX: no telemetry from tests or their subprocesses.
os.environ.update(
    {
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
    }
)
os.environ.pop("POP_CLIP_PRETRAINED", None)
os.environ.pop("POP_RAW_URI", None)
os.environ.pop("MLFLOW_TRACKING_URI", None)

TINY_SEED = 7


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> Path:
    from pop_pipeline.world import generate_world, load_world_config

    out = tmp_path_factory.mktemp("worlds") / "tiny"
    generate_world(load_world_config("tiny", seed=TINY_SEED), out)
    return out


@pytest.fixture(scope="session")
def project_home(tmp_path_factory, tiny_world) -> Path:
    """``POP_HOME`` for the whole session, with the tiny world as ``POP_RAW_URI``."""
    home = tmp_path_factory.mktemp("pop_home")
    previous = {key: os.environ.get(key) for key in ("POP_HOME", "POP_RAW_URI", "DAGSTER_HOME")}
    os.environ["POP_HOME"] = str(home)
    os.environ["POP_RAW_URI"] = str(tiny_world)
    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    (home / "dagster_home").mkdir()
    yield home
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
