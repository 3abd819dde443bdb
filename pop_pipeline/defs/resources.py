"""Resources shared by every domain: the DuckDB file, the raw data, MLflow and artifact files.

Each resource is a thin, typed wrapper around a plain class, so tests and production use the
same code path with different settings. Endpoints come from the environment (``dg.EnvVar``
where a variable is set), defaults from :mod:`pop_pipeline.settings`.
"""

import json
import os
from pathlib import Path

import dagster as dg
import mlflow

from pop_pipeline.ingest.raw_drops import resolve_raw_drop
from pop_pipeline.ingest.raw_source import RawSource, open_raw_source
from pop_pipeline.io import s3
from pop_pipeline.operations.home_relocation import adopt_home
from pop_pipeline.runs.recovery import DAGSTER_RUN_ID_TAG
from pop_pipeline.settings import get_settings
from pop_pipeline.storage.duckdb_store import DuckDBStore


class DuckDBResource(dg.ConfigurableResource):
    """The project's DuckDB file; every connection is serialised by a file lock."""

    path: str

    def store(self) -> DuckDBStore:
        return DuckDBStore(self.path)


class RawDataResource(dg.ConfigurableResource):
    """One raw drop in the raw format (a directory or ``s3://bucket/prefix``), or a folder of
    dated drops, of which the newest is read (:func:`resolve_raw_drop`)."""

    uri: str

    def source(self) -> RawSource:
        return open_raw_source(resolve_raw_drop(self.uri))

    def oracle_dir(self, cache_dir: str) -> Path | None:
        """The world's ``oracle/`` folder as a local path, or ``None`` for real data.

        Only evaluation reads it (for the oracle row); ingestion and models never do.
        """
        source = self.source()
        if not s3.is_s3_uri(source.uri):
            path = Path(source.uri) / "oracle"
            return path if path.is_dir() else None
        location = s3.S3Location.parse(source.uri).join("oracle")
        keys = list(s3.list_keys(location))
        if not keys:
            return None
        target = Path(cache_dir) / "oracle" / location.bucket / location.key
        prefix = location.key.rstrip("/") + "/"
        for key in keys:
            destination = target / key[len(prefix) :]
            destination.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(s3.S3Location(location.bucket, key), str(destination))
        return target


MLFLOW_RUN_CONTEXT = "MLFLOW_RUN_CONTEXT"  # JSON tags MLflow adds to every run it starts


class MlflowResource(dg.ConfigurableResource):
    """The MLflow tracking server and model registry (a local SQLite store by default)."""

    tracking_uri: str
    experiment_name: str = "pop_pipeline"
    artifact_location: str | None = None  # for a new experiment; None: the server's default

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Tag every MLflow run this Dagster run starts with its id (``dagster.run_id``).

        MLflow adds the tags of ``MLFLOW_RUN_CONTEXT`` to each run it starts; crash recovery
        uses the tag to end the MLflow runs of a run whose process died.
        """
        run_id = context.run_id
        if run_id:
            tags = json.loads(os.environ.get(MLFLOW_RUN_CONTEXT) or "{}")
            os.environ[MLFLOW_RUN_CONTEXT] = json.dumps({**tags, DAGSTER_RUN_ID_TAG: run_id})

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Drop the run's tag, so MLflow runs started after this Dagster run do not carry it."""
        tags = json.loads(os.environ.get(MLFLOW_RUN_CONTEXT) or "{}")
        tags.pop(DAGSTER_RUN_ID_TAG, None)
        if tags:
            os.environ[MLFLOW_RUN_CONTEXT] = json.dumps(tags)
        else:
            os.environ.pop(MLFLOW_RUN_CONTEXT, None)

    def configure(self) -> str:
        """Point the ``mlflow`` client at this server and experiment; return the experiment id."""
        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        experiment = mlflow.get_experiment_by_name(self.experiment_name)
        if experiment is not None:
            experiment_id = experiment.experiment_id
        else:
            experiment_id = mlflow.create_experiment(
                self.experiment_name, artifact_location=self.artifact_location
            )
        mlflow.set_experiment(experiment_id=experiment_id)
        return experiment_id


class ArtifactsResource(dg.ConfigurableResource):
    """Where large files (checkpoints, per-token tensors) live; DuckDB keeps their paths."""

    root: str

    def path(self, *parts: str) -> Path:
        target = Path(self.root).joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def _env_or(name: str, default: str) -> str | dg.EnvVar:
    return dg.EnvVar(name) if os.environ.get(name) else default


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """The embedded default: everything under ``POP_HOME`` unless the environment says else.

    A home copied or restored elsewhere is adopted first (its stored paths rewritten to it).
    """
    settings = get_settings()
    adopt_home(settings.home)
    tracking_is_local = not os.environ.get("MLFLOW_TRACKING_URI")
    return {
        "duckdb": DuckDBResource(path=str(settings.duckdb_path)),
        "raw_data": RawDataResource(uri=_env_or("POP_RAW_URI", settings.raw_uri)),
        "mlflow_tracking": MlflowResource(
            tracking_uri=_env_or("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri),
            artifact_location=settings.mlflow_artifact_root if tracking_is_local else None,
        ),
        "artifacts": ArtifactsResource(root=str(settings.artifacts_dir)),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
