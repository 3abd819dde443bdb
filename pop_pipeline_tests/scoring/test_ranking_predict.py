"""``pop predict`` with a registered ranking model (a tiny AMNL and its CLIP), in a fresh
process: an unreadable photo skips its tweet, unknown users are reported, mistakes in the call
are one line and exit status 2."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

from pop_pipeline.ml.models.ranking.amnl import AMNL, AMNLConfig, pad_followees
from pop_pipeline.ranking.model_input import ranking_input_frame
from pop_pipeline.ranking.packages.amnl_bpr_popularity import AmnlPackage
from pop_pipeline.ranking.pyfunc import AmnlPyfunc
from pop_pipeline.registry.model_code import model_code_path
from pop_pipeline.registry.publish import publish_ranking_model
from pop_pipeline_tests.pop_cli import run_pop_cli
from pop_pipeline_tests.regression import regression_fixtures as fx


def _tweet(tweet_id: str, key: str) -> str:
    return json.dumps(
        {
            "id": tweet_id,
            "author_id": "7",
            "created_at": "2026-03-01T11:30:00.000Z",
            "text": f"photo {tweet_id}",
            "attachments": {"media_keys": [key]},
        }
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """``pop-amnl`` (known user 1) registered in a fresh SQLite store; an input file of three
    tweets whose second photo does not exist."""
    tmp = tmp_path_factory.mktemp("ranking")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("rank", artifact_location=(tmp / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    package = tmp / "package"
    clip_dir = fx.clip_package(package / "clip")
    dim, _ = fx.clip_widths(clip_dir, fx.write_photo(tmp / "media"))
    torch.manual_seed(0)
    config = AMNLConfig(n_users=1, image_dim=dim, text_dim=dim, preference_dim=4, attention_dim=4)
    empty = np.zeros(0, dtype=np.int64)
    AmnlPackage(AMNL(config, pad_followees(empty, empty, 1)).eval(), ["1"]).save(package)
    example = pd.DataFrame(
        {"user_id": ["1"], "tweet_id": ["1"], "author_id": ["7"], "created_at": ["2026-03-01"]}
        | {"text": ["x"], "comments": [""], "media_uri": ["x.png"], "author_followers_count": [1]}
    )
    try:
        publish_ranking_model(
            model_name="amnl",
            model_code=model_code_path(AmnlPyfunc),
            package_dir=package,
            params={},
            epoch_losses=[1.0],
            test_metrics={"auc": 0.6},
            input_example=ranking_input_frame(example),
            output_example=pd.DataFrame({"score": [0.0]}),
            data_version="x",
        )
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
    lines = [
        _tweet("1", "k1"),
        _tweet("2", "k2"),
        _tweet("3", "k1"),
        json.dumps({"media_key": "k1", "type": "photo", "url": "media/photo.png"}),
        json.dumps({"media_key": "k2", "type": "photo", "url": "media/gone.png"}),
    ]
    (tmp / "input.jsonl").write_text("\n".join(lines) + "\n")
    return uri, tmp


def test_a_missing_photo_skips_its_tweet_and_unknown_users_are_reported(registry):
    uri, tmp = registry
    out = run_pop_cli(
        "predict",
        "--model",
        "pop-amnl@champion",
        "--input",
        str(tmp / "input.jsonl"),
        "--users",
        "1,42",
        env={"MLFLOW_TRACKING_URI": uri},
    )
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["user_id"], r["tweet_id"]) for r in records] == [
        ("1", "1"),
        ("1", "3"),
        ("42", "1"),
        ("42", "3"),
    ]
    assert all(np.isfinite(r["score"]) for r in records)
    skipped = [line for line in out.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1  # once per tweet, not per user
    assert skipped[0].startswith("skipped input.jsonl line 2 (tweet 2): media_missing: the photo ")
    assert "user 42 is unknown to pop-amnl: scored as the cold/unknown user" in out.stderr
    assert "user 1 is" not in out.stderr


def test_an_unknown_model_is_one_line_and_status_2_in_a_fresh_process(registry):
    uri, tmp = registry
    out = run_pop_cli(
        "predict",
        "--model",
        "pop-nope@champion",
        "--input",
        str(tmp / "input.jsonl"),
        "--users",
        "1",
        env={"MLFLOW_TRACKING_URI": uri},
    )
    assert out.returncode == 2
    assert out.stderr.strip() == f"pop predict: no registered model 'pop-nope' in {uri}"
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "pop-amnl@best"],
            "registered model 'pop-amnl' has no alias 'best' in {uri} "
            "(its aliases: challenger, champion)",
        ),
        (["--model", "pop-amnl/9"], "registered model 'pop-amnl' has no version 9 in {uri}"),
        (
            ["--model", "pop-amnl"],
            "--model 'pop-amnl' names no alias or version: use pop-amnl@ALIAS "
            "(aliases: challenger, champion) or pop-amnl/VERSION",
        ),
        (
            ["--model", "pop-amnl@champion", "--users", "1,abc"],
            "--users: 'abc' is not a user id (ids are strings of digits, e.g. 12,34)",
        ),
        (
            ["--model", "pop-amnl@champion", "--users", ","],
            "--users names no user id (ranking models score tweets for users)",
        ),
        (
            ["--model", "pop-amnl@champion", "--output", "/nowhere/out.jsonl"],
            "--output /nowhere/out.jsonl: folder /nowhere does not exist",
        ),
    ],
)
def test_mistakes_in_the_call_are_one_line_and_status_2(
    registry, monkeypatch, capsys, args, message
):
    from pop_pipeline.cli import main

    uri, tmp = registry
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    try:
        code = main(["predict", "--input", str(tmp / "input.jsonl"), "--users", "1", *args])
    finally:
        mlflow.set_tracking_uri(None)
    assert code == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "pop predict: " + message.format(uri=uri)
    assert captured.out == ""
