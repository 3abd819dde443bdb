"""A home copied elsewhere, the original removed: models and paths are fetched from the copy."""

import json
import shutil
import sqlite3
import textwrap

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.defs.resources import MlflowResource, default_resources
from pop_pipeline.operations.home_relocation import MARKER, adopt_home, recorded_home
from pop_pipeline.settings import PopSettings
from pop_pipeline.storage.duckdb_store import DuckDBStore

MODEL = "toy-relocated"
EXP = MlflowResource.model_fields["experiment_name"].default

# A models-from-code pyfunc whose scores depend on a weights file among its artifacts.
MODEL_CODE = textwrap.dedent(
    """
    import json

    import mlflow
    import pandas as pd


    class Scaled(mlflow.pyfunc.PythonModel):
        def load_context(self, context):
            with open(context.artifacts["weights"]) as handle:
                self.factor = json.load(handle)["factor"]

        def predict(self, context, model_input, params=None):
            return pd.DataFrame({"score": model_input["x"] * self.factor})


    mlflow.models.set_model(Scaled())
    """
)


@pytest.fixture
def tracking_reset(monkeypatch):
    """No tracking URI from the environment (``mlflow.set_tracking_uri`` exports one)."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    yield
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def _mlflow_resource(settings: PopSettings) -> MlflowResource:
    """What ``default_resources`` builds for a local home."""
    return MlflowResource(
        tracking_uri=f"sqlite:///{settings.home / 'mlflow.db'}",
        artifact_location=settings.mlflow_artifact_root,
    )


def _build_home(home, tmp_path) -> None:
    """A registered model (alias champion) in the home's MLflow store; DuckDB rows with paths."""
    settings = PopSettings(home=home)
    _mlflow_resource(settings).configure()
    code = tmp_path / "scaled_model.py"
    code.write_text(MODEL_CODE)
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({"factor": 3.0}))
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(code),
            artifacts={"weights": str(weights)},
            registered_model_name=MODEL,
        )
    MlflowClient().set_registered_model_alias(MODEL, "champion", info.registered_model_version)
    package = settings.artifacts_dir / "clip" / "abc"
    package.mkdir(parents=True)
    DuckDBStore(settings.duckdb_path).replace_table(
        "clip_encoder",
        pd.DataFrame(
            {
                "package_dir": [str(package)],
                "source_uri": [str(home) + "2/elsewhere"],  # a sibling, not under the home
                "weights": [1],
            }
        ),
    )


def _predict(settings: PopSettings) -> list[float]:
    _mlflow_resource(settings).configure()
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
    return model.predict(pd.DataFrame({"x": [1.0, 2.0]}))["score"].tolist()


def test_a_copied_home_serves_its_models_with_the_original_removed(tmp_path, tracking_reset):
    original = (tmp_path / "original home").resolve()  # a space: file URIs percent-encode it
    _build_home(original, tmp_path)
    assert adopt_home(original) is None  # nothing moved; the marker is written
    assert recorded_home(original) == original
    before = _predict(PopSettings(home=original))
    assert before == [3.0, 6.0]

    copy = (tmp_path / "restored" / "home").resolve()
    shutil.copytree(original, copy)
    shutil.rmtree(original)
    assert adopt_home(copy) == original
    assert recorded_home(copy) == copy
    assert _predict(PopSettings(home=copy)) == before

    with sqlite3.connect(copy / "mlflow.db") as connection:
        locations = [
            *connection.execute("SELECT artifact_location FROM experiments WHERE name = ?", [EXP]),
            *connection.execute("SELECT artifact_uri FROM runs"),
            *connection.execute("SELECT artifact_location FROM logged_models"),
            *connection.execute("SELECT storage_location FROM model_versions"),
        ]
    assert locations and all(copy.as_uri() in value for (value,) in locations), locations
    row = DuckDBStore(copy / "pop.duckdb").table("clip_encoder").iloc[0]
    assert row["package_dir"] == str(copy / "artifacts" / "clip" / "abc")
    assert row["source_uri"] == str(original) + "2/elsewhere"  # only paths under the home move
    assert adopt_home(copy) is None  # adopted once


def test_dagster_resources_adopt_a_moved_home(tmp_path, monkeypatch, tracking_reset):
    original = (tmp_path / "a").resolve()
    _build_home(original, tmp_path)
    adopt_home(original)
    moved = (tmp_path / "b").resolve()
    shutil.move(original, moved)
    monkeypatch.setenv("POP_HOME", str(moved))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # _build_home exported one
    resources = default_resources()
    assert recorded_home(moved) == moved
    resources["mlflow_tracking"].configure()
    assert _predict(PopSettings(home=moved)) == [3.0, 6.0]


def test_a_home_written_before_the_marker_is_adopted_from_its_experiment(tmp_path, tracking_reset):
    original = (tmp_path / "legacy").resolve()
    _build_home(original, tmp_path)  # no adopt_home: no marker, as before this version
    assert not (original / MARKER).exists()
    copy = (tmp_path / "copy").resolve()
    shutil.copytree(original, copy)
    shutil.rmtree(original)
    assert adopt_home(copy) == original
    assert _predict(PopSettings(home=copy)) == [3.0, 6.0]


def test_a_home_without_stores_is_left_alone(tmp_path):
    assert adopt_home(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_home_is_not_rewritten(tmp_path, monkeypatch, tracking_reset):
    """A home mounted read-only (simulated: tests run as root, who may write anywhere) is
    left as it is instead of failing on its first write."""
    from pop_pipeline.operations import home_relocation

    original = (tmp_path / "a").resolve()
    _build_home(original, tmp_path)
    adopt_home(original)
    moved = (tmp_path / "b").resolve()
    shutil.move(original, moved)
    before = (moved / "mlflow.db").read_bytes()
    monkeypatch.setattr(home_relocation.os, "access", lambda path, mode: False)
    assert adopt_home(moved) is None
    assert recorded_home(moved) == original
    assert (moved / "mlflow.db").read_bytes() == before
