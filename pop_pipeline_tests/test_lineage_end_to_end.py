"""The whole lineage on the `tiny` world, in-process, as `pop run` does it."""

import json
import os
import shutil
import subprocess
import sys

import dagster as dg
import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.pipeline_run import run_pipeline
from pop_pipeline.ranking.data.ranking_data import load_ranking_data
from pop_pipeline.ranking.model_input import ranking_input_frame
from pop_pipeline.settings import get_settings
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline_tests.lineage_runs import (
    FAST_RUN_CONFIG,
    LINEAGE_ASSETS,
    RANKING_MODELS,
    REGRESSION_MODELS,
)
from pop_pipeline_tests.pop_cli import run_pop_cli

AMNL_FRACTIONS = (0.6, 0.7, 0.8)
TABLE_IV_ABLATIONS = ("amnl_i", "amnl_d", "amnl_hfunc", "amnl_plus_i", "amnl_plus_hfunc")
DSEMPRE_MODELS = ("dsempre", "dsempre_nosem")
# models that also train and test on the D-Sempre protocol's split by default
DSEMPRE_PROTOCOL_MODELS = (*DSEMPRE_MODELS, "vbpr", "citing", "bpr", "popularity")


def expected_tables() -> dict[tuple[str, float], set[str]]:
    """(protocol, train fraction) -> the model rows of that table (random and oracle too)."""
    main = set(RANKING_MODELS) - set(TABLE_IV_ABLATIONS) - set(DSEMPRE_MODELS)
    tables = {("amnl", f): {*main, "random", "oracle"} for f in AMNL_FRACTIONS}
    tables["amnl", 0.8] |= set(TABLE_IV_ABLATIONS)
    tables["dsempre", 0.8] = {*DSEMPRE_PROTOCOL_MODELS, "random", "oracle"}
    return tables


@pytest.fixture(scope="module")
def lineage(project_home):
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(instance=instance, run_config=FAST_RUN_CONFIG)
    return result


@pytest.fixture(scope="module")
def store(lineage):
    return DuckDBStore(get_settings().duckdb_path)


@pytest.fixture(scope="module")
def registry(lineage):
    mlflow.set_tracking_uri(get_settings().mlflow_tracking_uri)
    return MlflowClient(get_settings().mlflow_tracking_uri)


def test_every_asset_materializes_and_every_check_passes(lineage):
    assert lineage.success
    materialized = {
        e.asset_key.to_user_string() for e in lineage.get_asset_materialization_events()
    }
    assert materialized >= LINEAGE_ASSETS
    evaluations = {e.check_name: e.passed for e in lineage.get_asset_check_evaluations()}
    assert evaluations == {
        "raw_tweets_are_valid": True,
        "raw_users_are_valid": True,
        "image_tweets_are_valid": True,
        "retweet_splits_are_chronological": True,
        "tweet_embeddings_are_valid": True,
    }


def test_metrics_tables_have_every_model_fraction_and_protocol(store):
    table = store.query("SELECT * FROM metrics WHERE task = 'retweet_ranking'")
    tables = {
        (protocol, round(fraction, 2)): set(part["model"])
        for (protocol, fraction), part in table.groupby(["protocol", "train_fraction"])
    }
    assert tables == expected_tables()
    metrics = table.groupby("protocol")["metric"].agg(set).to_dict()
    assert metrics == {
        "amnl": {"p@1", "p@3", "auc"},
        "dsempre": {"p@1", "p@5", "p@10", "recall@1", "recall@5", "recall@10"},
    }
    for (protocol, fraction), part in table.groupby(["protocol", "train_fraction"]):
        n_metrics = len(metrics[protocol])
        assert len(part) == len(tables[protocol, round(fraction, 2)]) * n_metrics
        value = part.set_index(["model", "metric"])["value"]
        normalised = part.set_index(["model", "metric"])["normalised"]
        # the oracle knows the true retweet probabilities: it must rank far better than chance
        assert value["oracle", "p@1"] > value["random", "p@1"] + 0.05
        assert normalised["oracle", "p@1"] == pytest.approx(1.0)
        assert normalised["random", "p@1"] == pytest.approx(0.0)
        if protocol == "amnl":
            assert value["random", "auc"] == pytest.approx(0.5)
            assert value["oracle", "auc"] > 0.7


def test_metrics_asset_shows_each_table_in_the_papers_shape(lineage):
    [event] = [
        e
        for e in lineage.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "ranking_metrics"
    ]
    metadata = event.step_materialization_data.materialization.metadata
    for (protocol, fraction), models in expected_tables().items():
        markdown = metadata[f"table_{protocol}_{fraction:.2f}"].value
        header, _, *rows = markdown.splitlines()
        if protocol == "amnl":
            assert header.startswith("| model | P@1 | P@3 | AUC | P@1 (norm.) |")
        else:
            assert header.startswith(
                "| model | P@1 | P@5 | P@10 | Recall@1 | Recall@5 | Recall@10 |"
            )
        assert {row.split("|")[1].strip() for row in rows} == models
        assert rows[-2].startswith("| oracle |") and rows[-1].startswith("| random |")
        assert markdown in metadata["tables"].value


def expected_regression_tables() -> dict[tuple[str, str], set[str]]:
    """(protocol, target) -> the model rows of that regression table (random and oracle too)."""
    baselines = {"hisave", "svr_image", "svr_bow", "svr_wordemb", "gbdt"}
    special = {"random", "oracle"}
    uhan = {m for m in REGRESSION_MODELS if m.startswith("uhan")}
    dsn = {m for m in REGRESSION_MODELS if m.startswith("dsn")}
    return {
        ("paper001", "log_retweets"): {"hybrid_cnn_retweets", *baselines, *special},
        ("paper001", "log_likes"): {"hybrid_cnn_likes", *baselines, *special},
        ("paper002", "popularity_score"): {*uhan, *baselines, *special},
        ("paper004", "popularity_score"): {*dsn, *baselines, *special},
    }


REGRESSION_METRIC_NAMES = {
    "paper001": {"medae", "spearman"},
    "paper002": {"mse", "mae"},
    "paper004": {"mae", "spearman"},
}


def test_regression_tables_have_every_model_random_and_oracle_with_finite_values(store):
    table = store.query("SELECT * FROM metrics WHERE task = 'popularity_regression'")
    tables = {key: set(part["model"]) for key, part in table.groupby(["protocol", "target"])}
    assert tables == expected_regression_tables()
    for (protocol, target), part in table.groupby(["protocol", "target"]):
        assert set(part["metric"]) == REGRESSION_METRIC_NAMES[protocol]
        assert len(part) == len(tables[protocol, target]) * 2
        values = part.set_index(["model", "metric"])
        assert np.isfinite(values["value"]).all(), (protocol, target)
        normalised = values["normalised"]
        for metric in REGRESSION_METRIC_NAMES[protocol]:
            assert normalised["oracle", metric] == pytest.approx(1.0)
            assert normalised["random", metric] == pytest.approx(0.0)
        if "spearman" in REGRESSION_METRIC_NAMES[protocol]:
            assert values.loc[("random", "spearman"), "value"] == 0.0
            assert values.loc[("oracle", "spearman"), "value"] > 0.2
    fractions = table.groupby("protocol")["train_fraction"].first().round(2).to_dict()
    assert fractions == {"paper001": 0.5, "paper002": 0.7, "paper004": 0.8}


def test_regression_predictions_cover_each_models_test_split(store):
    predictions = store.table("regression_predictions")
    splits = store.query("SELECT protocol, tweet_id FROM regression_splits WHERE split = 'test'")
    for (model, protocol, target), part in predictions.groupby(["model", "protocol", "target"]):
        test_ids = set(splits.loc[splits["protocol"] == protocol, "tweet_id"])
        assert set(part["tweet_id"]) <= test_ids
        assert len(part) >= 0.9 * len(test_ids), (model, protocol, target)
        assert np.isfinite(part["prediction"]).all()
    models = set(predictions["model"])
    assert models == set(REGRESSION_MODELS)


def test_regression_metrics_asset_shows_each_table(lineage):
    [event] = [
        e
        for e in lineage.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "regression_metrics"
    ]
    metadata = event.step_materialization_data.materialization.metadata
    headers = {
        "paper001": "| model | MedAE | Spearman | MedAE (norm.) | Spearman (norm.) |",
        "paper002": "| model | MSE | MAE | MSE (norm.) | MAE (norm.) |",
        "paper004": "| model | MAE | Spearman | MAE (norm.) | Spearman (norm.) |",
    }
    for (protocol, target), models in expected_regression_tables().items():
        markdown = metadata[f"table_{protocol}_{target}"].value
        header, _, *rows = markdown.splitlines()
        assert header == headers[protocol]
        assert {row.split("|")[1].strip() for row in rows} == models
        assert rows[-2].startswith("| oracle |") and rows[-1].startswith("| random |")


def test_every_regression_model_is_registered_on_its_home_protocol(registry):
    homes = {"hybrid_cnn_likes": ("paper001", "log_likes"), "hisave": ("paper002", None)}
    for model in REGRESSION_MODELS:
        champion = registry.get_model_version_by_alias(f"pop-{model}", "champion")
        assert champion.tags["gate_decision"] == "promoted"
        run = registry.get_run(champion.run_id)
        protocol, target = homes.get(model, (None, None))
        if protocol is None:
            protocol = {"hybrid": "paper001", "svr": "paper001", "uhan": "paper002"}.get(
                model.split("_")[0], "paper004"
            )
        assert run.data.tags["pop.protocol"] == protocol, model
        if target is not None:
            assert run.data.tags["pop.target"] == target
        main = {"paper001": "spearman", "paper002": "mse", "paper004": "mae"}[protocol]
        assert f"test_{main}" in run.data.metrics
    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string="tags.`pop.model` = 'gbdt'",
        output_format="list",
    )
    covered = {(r.data.tags["pop.protocol"], r.data.tags["pop.target"]) for r in runs}
    assert covered == set(expected_regression_tables())


def test_embeddings_record_the_encoder(store):
    encoder = store.table("clip_encoder").iloc[0]
    embeddings = store.query("SELECT DISTINCT architecture, weights_sha256 FROM tweet_embeddings")
    assert list(embeddings["weights_sha256"]) == [encoder["weights_sha256"]]
    assert encoder["architecture"] == "pop-clip-tiny"


def test_every_model_is_registered_with_a_champion(registry):
    for model in RANKING_MODELS:
        champion = registry.get_model_version_by_alias(f"pop-{model}", "champion")
        assert champion.tags["gate_decision"] == "promoted"
        run = registry.get_run(champion.run_id)
        assert "test_auc" in run.data.metrics
        assert {"pop.code_version", "pop.data_version"} <= set(run.data.tags)
        protocol = "dsempre" if model in DSEMPRE_MODELS else "amnl"
        assert run.data.tags["pop.protocol"] == protocol
        assert run.data.params["protocol"] == protocol
        assert float(run.data.params["train_fraction"]) == pytest.approx(0.8)
        # the samplers that drew the training triplets and the test candidates
        sampler = "time_aware" if protocol == "dsempre" else "followee"
        assert run.data.params["sampler.name"] == sampler
        assert run.data.params["test_sampler.name"] == sampler
        assert int(run.data.params["test_sampler.seed"]) == int(run.data.params["sampler.seed"]) + 1
    amnl_run = registry.get_run(registry.get_model_version_by_alias("pop-amnl", "champion").run_id)
    losses = registry.get_metric_history(amnl_run.info.run_id, "train_loss")
    assert [m.step for m in losses] == [0, 1, 2, 3]
    assert registry.get_registered_model("pop-clip").aliases["current"]


def test_every_training_split_is_its_own_mlflow_run(registry):
    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string="tags.`pop.model` = 'amnl'",
        output_format="list",
    )
    splits = sorted(
        (
            r.data.tags["pop.protocol"],
            r.data.tags["pop.train_fraction"],
            r.data.tags["pop.registered"],
        )
        for r in runs
        if "pop.protocol" in r.data.tags
    )
    # one run per fraction (the nightly test may have added a second set)
    assert sorted(set(splits)) == [
        ("amnl", "0.60", "false"),
        ("amnl", "0.70", "false"),
        ("amnl", "0.80", "true"),
    ]
    vbpr = mlflow.search_runs(
        search_all_experiments=True,
        filter_string="tags.`pop.model` = 'vbpr' and tags.`pop.protocol` = 'dsempre'",
        output_format="list",
    )
    assert vbpr and vbpr[0].data.params["sampler.name"] == "time_aware"


def test_champions_loaded_in_a_fresh_process_score_like_the_metrics_asset(store, tmp_path):
    """Every registered package round-trips: the champion, loaded from MLflow in a new process
    from raw tweets, gives the scores its training run stored for the metrics."""
    inputs = {}
    for protocol in ("amnl", "dsempre"):
        data = load_ranking_data(store, 0.8, protocol)
        pairs = data.test.head(24)
        path = tmp_path / f"{protocol}.json"
        pairs.drop(columns=["label", "seen_at", "row"]).to_json(path, orient="records")
        inputs[protocol] = (path, pairs)
    models = {m: "dsempre" if m in DSEMPRE_MODELS else "amnl" for m in RANKING_MODELS}
    script = (
        "import sys, json, mlflow, pandas as pd\n"
        "scores = {}\n"
        "for model, path in json.loads(sys.argv[1]).items():\n"
        "    frame = pd.read_json(path, orient='records', dtype=False)\n"
        "    loaded = mlflow.pyfunc.load_model(f'models:/pop-{model}@champion')\n"
        "    scores[model] = loaded.predict(frame)['score'].tolist()\n"
        "print(json.dumps(scores))\n"
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": get_settings().mlflow_tracking_uri}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            json.dumps({m: str(inputs[p][0]) for m, p in models.items()}),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    stored = store.query(
        "SELECT model, protocol, user_id, tweet_id, score FROM ranking_scores "
        "WHERE train_fraction = 0.8"
    )
    for model, protocol in models.items():
        pairs = inputs[protocol][1][["user_id", "tweet_id"]]
        mine = stored[(stored["model"] == model) & (stored["protocol"] == protocol)]
        expected = pairs.merge(mine, on=["user_id", "tweet_id"], how="left")["score"]
        assert len(fresh[model]) == len(expected) == 24, model
        assert fresh[model] == pytest.approx(list(expected), abs=1e-4), model


def test_metrics_command_prints_the_json_contract(lineage, project_home):
    out = run_pop_cli("metrics", "--json")
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    regression = [r for r in records if r["task"] == "popularity_regression"]
    records = [r for r in records if r["task"] == "retweet_ranking"]
    regression_rows = {}
    for record in regression:
        key = (record["protocol"], record["target"])
        regression_rows.setdefault(key, set()).add(record["model"])
    assert regression_rows == expected_regression_tables()
    assert all(r["target"] is None for r in records)
    assert {
        "model",
        "task",
        "protocol",
        "train_fraction",
        "metric",
        "value",
        "normalised",
    } <= set(records[0])
    rows = {}
    for record in records:
        key = (record["protocol"], round(record["train_fraction"], 2))
        rows.setdefault(key, set()).add(record["model"])
    assert rows == expected_tables()


def test_raw_ingestion_is_idempotent(store, lineage):
    before = {name: store.table(name) for name in ("raw_tweets", "raw_users", "raw_quarantine")}
    result = run_pipeline(selection="group:raw", instance=dg.DagsterInstance.ephemeral())
    assert result.success
    for name, frame in before.items():
        pd.testing.assert_frame_equal(frame, store.table(name))


def test_nightly_job_retrains_and_the_gate_keeps_an_equal_champion(registry, lineage):
    from pop_pipeline.definitions import defs

    job = defs().get_job_def("nightly_retraining")
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), run_config=FAST_RUN_CONFIG
    )
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw_tweets" not in materialized and "ranking_metrics" in materialized
    assert {"popularity_targets", "dsn", "regression_metrics"} <= materialized
    for model in RANKING_MODELS:
        name = f"pop-{model}"
        newest = max(registry.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
        assert str(newest.version) == "2"
        assert str(registry.get_model_version_by_alias(name, "challenger").version) == "2"
        # same data, same seed: the same test AUC, which does not beat the champion
        assert newest.tags["gate_decision"] == "kept_champion"
        assert str(registry.get_model_version_by_alias(name, "champion").version) == "1"
    for model in ("dsn", "uhan", "hybrid_cnn_retweets", "hisave", "gbdt"):
        newest = registry.get_model_version_by_alias(f"pop-{model}", "challenger")
        assert str(newest.version) == "2"
        # same data, same seeds: the same test metric, which does not beat the champion
        assert newest.tags["gate_decision"] == "kept_champion", model


def _registry_snapshot(client: MlflowClient) -> dict[str, list[tuple[str, dict]]]:
    return {
        model.name: sorted(
            (str(v.version), dict(v.tags))
            for v in client.search_model_versions(f"name='{model.name}'")
        )
        for model in client.search_registered_models()
    }


def _future_tweet_world(source, target) -> None:
    """Copy a world and move one tweet after the collection time (manifest kept consistent)."""
    import hashlib
    import shutil

    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    lines = (target / "tweets.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["created_at"] = "2099-01-01T00:00:00.000Z"
    lines[0] = json.dumps(first)
    (target / "tweets.jsonl").write_text("\n".join(lines) + "\n")
    data = (target / "tweets.jsonl").read_bytes()
    manifest["files"]["tweets.jsonl"] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    (target / "manifest.json").write_text(json.dumps(manifest))


def test_failing_blocking_check_stops_training_and_leaves_the_registry(
    registry, tiny_world, tmp_path, monkeypatch, lineage
):
    before = _registry_snapshot(registry)
    assert {"pop-amnl", "pop-bpr", "pop-popularity"} <= set(before)
    _future_tweet_world(tiny_world, tmp_path / "world")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", get_settings().mlflow_tracking_uri)
    monkeypatch.setenv("POP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("POP_RAW_URI", str(tmp_path / "world"))

    result = run_pipeline(instance=dg.DagsterInstance.ephemeral(), run_config=FAST_RUN_CONFIG)

    assert not result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["raw_tweets_are_valid"] is False
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw_tweets" not in materialized  # the drop failed its checks: it was not committed
    assert not materialized & {
        "image_tweets",
        "clip_encoder",
        "amnl_model",
        "bpr_model",
        "popularity_model",
        "ranking_metrics",
    }
    assert _registry_snapshot(registry) == before


@pytest.mark.parametrize("model_name", ["amnl", "amnl_plus", "vbpr", "dsempre"])
def test_predict_command_scores_raw_v2_tweets_like_the_registered_model(
    model_name, store, registry, tiny_world, tmp_path
):
    chosen = store.query(
        "SELECT tweet_id, author_id, created_at, text, comments, media_uri, "
        "author_followers_count FROM image_tweets ORDER BY tweet_id LIMIT 3"
    )
    ids = set(chosen["tweet_id"])
    lines = []
    for name in ("tweets.jsonl", "replies.jsonl", "media.jsonl"):
        for line in (tiny_world / name).read_text().splitlines():
            obj = json.loads(line)
            refs = {ref["id"] for ref in obj.get("referenced_tweets", [])}
            keys = set(chosen["media_uri"].map(lambda uri: uri.rsplit("/", 1)[-1][:-4]))
            if obj.get("id") in ids or refs & ids or obj.get("media_key") in keys:
                lines.append(line)
    lines.append("{broken json")
    (tmp_path / "media").mkdir()
    for uri in chosen["media_uri"]:
        shutil.copyfile(uri, tmp_path / "media" / uri.rsplit("/", 1)[-1])
    (tmp_path / "input.jsonl").write_text("\n".join(lines) + "\n")
    users = list(
        store.query(
            "SELECT DISTINCT user_id FROM ranking_test_candidates ORDER BY user_id LIMIT 2"
        )["user_id"]
    )

    out = run_pop_cli(
        "predict",
        "--model",
        f"pop-{model_name}@champion",
        "--input",
        str(tmp_path / "input.jsonl"),
        "--users",
        ",".join(users),
        "--output",
        str(tmp_path / "scores.jsonl"),
    )
    assert out.returncode == 0, out.stderr
    assert "invalid_json" in out.stderr  # the broken line is reported, the rest scored
    scored = pd.read_json(
        tmp_path / "scores.jsonl", lines=True, dtype={"user_id": str, "tweet_id": str}
    )
    assert len(scored) == 6

    model = mlflow.pyfunc.load_model(f"models:/pop-{model_name}@champion")
    frame = ranking_input_frame(
        pd.concat([chosen.assign(user_id=user) for user in users], ignore_index=True)
    )
    expected = model.predict(frame)["score"]
    merged = scored.merge(
        frame.assign(expected=expected)[["user_id", "tweet_id", "expected"]],
        on=["user_id", "tweet_id"],
    )
    assert len(merged) == 6
    assert list(merged["score"]) == pytest.approx(list(merged["expected"]), abs=1e-5)


def test_pretrained_checkpoint_replaces_in_domain_training(
    store, registry, tmp_path, monkeypatch, lineage
):
    """POP_CLIP_PRETRAINED pointing at a checkpoint (written here) is loaded, not trained."""
    import shutil

    from pop_pipeline.defs.resources import ArtifactsResource, DuckDBResource
    from pop_pipeline.ml.clip.factory import create_clip, save_checkpoint

    bundle = create_clip("pop-clip-tiny", None, device="cpu", seed=123)
    checkpoint = save_checkpoint(bundle, tmp_path / "clip.safetensors")
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store.path, copy)  # leave the session's tables alone
    clip_versions = len(registry.search_model_versions("name='pop-clip'"))
    monkeypatch.setenv("POP_CLIP_PRETRAINED", checkpoint)

    result = run_pipeline(
        selection="key:clip_encoder or key:tweet_embeddings",
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "duckdb": DuckDBResource(path=str(copy)),
            "artifacts": ArtifactsResource(root=str(tmp_path / "artifacts")),
        },
    )

    assert result.success
    encoder = DuckDBStore(copy).table("clip_encoder").iloc[0]
    assert encoder["pretrained"] == checkpoint
    assert encoder["weights_sha256"] == bundle.identity().weights_sha256
    embedded = DuckDBStore(copy).query("SELECT DISTINCT weights_sha256 FROM tweet_embeddings")
    assert list(embedded["weights_sha256"]) == [bundle.identity().weights_sha256]
    assert len(registry.search_model_versions("name='pop-clip'")) == clip_versions


@pytest.mark.parametrize("model_name", ["dsn", "uhan", "hybrid_cnn_retweets", "gbdt"])
def test_predict_command_predicts_popularity_of_new_tweets_with_regression_models(
    model_name, store, registry, tiny_world, tmp_path
):
    """New tweets (ids the lineage never saw), one by an author it never saw, each with a
    photo: ``pop predict`` gives the registered model's predictions; DSN's window comes from
    the stored posts bundled in the model."""
    chosen = store.query(
        "SELECT tweet_id, media_uri FROM image_tweets ORDER BY created_at DESC, tweet_id LIMIT 3"
    )
    lines = []
    for line in (tiny_world / "tweets.jsonl").read_text().splitlines():
        obj = json.loads(line)
        if obj.get("id") in set(chosen["tweet_id"]):
            lines.append(json.dumps({**obj, "id": f"9{obj['id']}"}))  # a new tweet id
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "author_id": "424242424242"})  # an unseen author
    lines.append(
        json.dumps(
            {
                "id": "424242424242",
                "username": "newcomer",
                "created_at": "2025-01-01T00:00:00Z",
                "public_metrics": {"followers_count": 50},
            }
        )
    )
    keys = set(chosen["media_uri"].map(lambda uri: uri.rsplit("/", 1)[-1][:-4]))
    for line in (tiny_world / "media.jsonl").read_text().splitlines():
        if json.loads(line).get("media_key") in keys:
            lines.append(line)
    (tmp_path / "media").mkdir()
    for uri in chosen["media_uri"]:
        shutil.copyfile(uri, tmp_path / "media" / uri.rsplit("/", 1)[-1])
    (tmp_path / "input.jsonl").write_text("\n".join(lines) + "\n")
    observed = "2026-12-01T00:00:00Z"

    out = run_pop_cli(
        "predict",
        "--model",
        f"pop-{model_name}@champion",
        "--input",
        str(tmp_path / "input.jsonl"),
        "--observed-at",
        observed,
        "--output",
        str(tmp_path / "predictions.jsonl"),
    )
    assert out.returncode == 0, out.stderr
    predicted = pd.read_json(tmp_path / "predictions.jsonl", lines=True, dtype={"tweet_id": str})
    assert sorted(predicted["tweet_id"]) == sorted(f"9{t}" for t in chosen["tweet_id"])
    assert np.isfinite(predicted["prediction"]).all()

    from pop_pipeline.regression.model_input import regression_input_frame
    from pop_pipeline.scoring.prediction_input import read_prediction_input

    model = mlflow.pyfunc.load_model(f"models:/pop-{model_name}@champion")
    tweets = regression_input_frame(read_prediction_input(tmp_path / "input.jsonl").tweets)
    expected = model.predict(tweets, params={"observed_at": observed})
    merged = predicted.merge(expected, on="tweet_id", suffixes=("", "_expected"))
    assert list(merged["prediction"]) == pytest.approx(list(merged["prediction_expected"]))
    package = model.unwrap_python_model().package
    assert package.history is not None
    if model_name == "dsn":  # the window's posts are the stored image tweets
        assert len(package.history.tweets) == len(store.table("image_tweets"))
