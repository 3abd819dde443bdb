import os
import subprocess
import sys

import dagster as dg

from pop_pipeline.definitions import defs
from pop_pipeline_tests.lineage_runs import LINEAGE_ASSETS


def test_definitions_load_with_every_domain():
    loaded = defs()
    keys = {spec.key.to_user_string() for spec in loaded.resolve_all_asset_specs()}
    assert keys >= LINEAGE_ASSETS
    assert {"duckdb", "raw_data", "mlflow_tracking", "artifacts"} <= set(loaded.resources)


def test_nightly_schedule_runs_the_retraining_job_at_three_utc():
    loaded = defs()
    schedule = loaded.get_schedule_def("nightly_retraining_schedule")
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "nightly_retraining"
    job = loaded.get_job_def("nightly_retraining")
    selected = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert "image_tweets" in selected and "ranking_metrics" in selected
    # the popularity-regression lineage: targets, splits, one model per spec, the tables
    assert {"popularity_targets", "regression_splits", "regression_vocabularies"} <= selected
    assert {"hybrid_cnn_retweets", "uhan_no_v", "dsn_l16", "gbdt", "regression_metrics"} <= selected
    assert not any(key.startswith("raw_") for key in selected)


def test_dagster_cli_validates_the_code_location(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "definitions",
            "validate",
            "-m",
            "pop_pipeline.definitions",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_duckdb_and_gpu_steps_declare_their_pools():
    loaded = defs()
    pools = {}
    for assets_def in loaded.assets:
        if isinstance(assets_def, dg.AssetsDefinition):
            for key in assets_def.keys:
                pools[key.to_user_string()] = assets_def.op.pool
    assert set(pools.values()) == {"duckdb", "gpu"}, pools  # no asset without a pool
    assert pools["raw_tweets"] == "duckdb" and pools["popularity_model"] == "duckdb"
    assert pools["tweet_embeddings"] == "gpu" and pools["amnl_model"] == "gpu"


def test_dg_check_defs_accepts_the_project(tmp_path):
    from pathlib import Path

    dg_cli = Path(sys.executable).with_name("dg")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(dg_cli), "check", "defs"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr
