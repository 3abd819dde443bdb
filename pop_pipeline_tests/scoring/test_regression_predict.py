"""``pop predict`` for a registered regression model, in a fresh process (as a user runs it)."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest

from pop_pipeline.regression.publish import publish_regression_model
from pop_pipeline.scoring.prediction_input import read_prediction_input
from pop_pipeline.usage_error import UsageError
from pop_pipeline_tests.pop_cli import run_pop_cli
from pop_pipeline_tests.regression import regression_fixtures as fx


def _tweet(tweet_id: str, author: str, created_at: str, text: str, key: str, **extra) -> str:
    return json.dumps(
        {
            "id": tweet_id,
            "author_id": author,
            "created_at": created_at,
            "text": text,
            "attachments": {"media_keys": [key]},
            **extra,
        }
    )


def _input_file(folder) -> None:
    """Tweets 8 (stored author 102, category Tech), 9 (unseen author 999, followers from
    ``includes.users``), 10 (its photo is missing), 11 (no media object) and a broken line."""
    annotations = [{"domain": {"name": "Category"}, "entity": {"name": "Tech"}}]
    lines = [
        _tweet(
            "8",
            "102",
            "2026-03-01T11:30:00.000Z",
            "red cat",
            "3_8",
            context_annotations=annotations,
        ),
        json.dumps(
            {
                "data": json.loads(
                    _tweet("9", "999", "2026-03-01T11:30:00.000Z", "zebra dog", "3_9")
                ),
                "includes": {
                    "users": [
                        {
                            "id": "999",
                            "username": "zed",
                            "created_at": "2025-01-01T00:00:00Z",
                            "public_metrics": {"followers_count": 7},
                        }
                    ],
                    "media": [{"media_key": "3_9", "type": "photo", "url": "media/photo.png"}],
                },
            }
        ),
        _tweet("10", "101", "2026-03-01T11:45:00.000Z", "blue cat", "3_10"),
        _tweet("11", "101", "2026-03-01T11:50:00.000Z", "no photo", "3_404"),
        json.dumps({"media_key": "3_8", "type": "photo", "url": "media/photo.png"}),
        json.dumps({"media_key": "3_10", "type": "photo", "url": "media/missing.png"}),
        "{broken json",
    ]
    (folder / "input.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture
def registered(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("reg", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    clip_dir = fx.clip_package(tmp_path / "clip")
    photo = fx.write_photo(tmp_path / "media")
    package = fx.dsn_package(clip_dir, photo)
    publish_regression_model(
        package=package,
        params={"epochs": 1},
        epoch_losses=[1.0],
        validation_losses=[1.0],
        test_metrics={"mae": 0.5, "spearman": 0.1},
        main_metric="mae",
        higher_is_better=False,
        data_version="x",
    )
    yield uri, package
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def test_pop_predict_scores_new_tweets_with_a_regression_model(tmp_path, registered):
    uri, package = registered
    _input_file(tmp_path)
    out = run_pop_cli(
        "predict",
        "--model",
        "pop-dsn_l4@champion",
        "--input",
        str(tmp_path / "input.jsonl"),
        "--observed-at",
        "2026-03-02T12:00:00Z",
        "--output",
        str(tmp_path / "predictions.jsonl"),
        env={"MLFLOW_TRACKING_URI": uri},
    )
    assert out.returncode == 0, out.stderr
    assert "invalid_json" in out.stderr  # the broken line
    assert "image_unresolved" in out.stderr  # tweet 11 names no media object of the input
    assert "skipped input.jsonl line 3 (tweet 10): media_missing: " in out.stderr  # no photo
    records = [
        json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()
    ]
    assert [r["tweet_id"] for r in records] == ["8", "9"]
    assert {r["target"] for r in records} == {"popularity_score"}
    assert {r["model"] for r in records} == {"pop-dsn_l4@champion"}

    tweets = read_prediction_input(tmp_path / "input.jsonl").tweets
    assert tweets.set_index("tweet_id").loc["8", "category"] == "Tech"
    assert tweets.set_index("tweet_id").loc["9", "author_followers_count"] == 7
    expected, _ = package.predict(tweets, observed_at=fx.OBSERVED_AT)
    np.testing.assert_allclose(
        [r["prediction"] for r in records], expected["prediction"][:2], rtol=1e-5
    )
    # the annotated category reaches DSN's category embedding
    without_category, _ = package.predict(tweets.assign(category=None), observed_at=fx.OBSERVED_AT)
    assert without_category["prediction"].iloc[0] != pytest.approx(expected["prediction"].iloc[0])


def test_pop_predict_refuses_a_bad_observed_at(tmp_path, registered):
    uri, _ = registered
    _input_file(tmp_path)
    out = run_pop_cli(
        "predict",
        "--model",
        "pop-dsn_l4@champion",
        "--input",
        str(tmp_path / "input.jsonl"),
        "--observed-at",
        "yesterday-ish",
        env={"MLFLOW_TRACKING_URI": uri},
    )
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith("pop predict: --observed-at: observed_at 'yesterday-ish' is not")


class _ConstantRanker(mlflow.pyfunc.PythonModel):
    """A ranking pyfunc: score 0.5 for every (user, tweet) row."""

    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"score": [0.5] * len(model_input)})


def test_predict_file_tells_ranking_from_regression_models(tmp_path, monkeypatch, capsys):
    from pop_pipeline.scoring.predict import predict_file

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("mixed", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    fx.write_photo(tmp_path / "media")
    _input_file(tmp_path)
    try:
        with mlflow.start_run():
            ranking_uri = mlflow.pyfunc.log_model(
                name="model", python_model=_ConstantRanker(), pip_requirements=["pandas"]
            ).model_uri
        mlflow.register_model(ranking_uri, "pop-constant")
        publish_regression_model(
            package=fx.hybrid_cnn_package(),
            params={},
            epoch_losses=[1.0],
            validation_losses=[],
            test_metrics={"medae": 0.5},
            main_metric="medae",
            higher_is_better=False,
            data_version="x",
        )
        source = tmp_path / "input.jsonl"
        # ranking: scores for every user, and --users is required
        with pytest.raises(UsageError, match="--users names no user id"):
            predict_file(model="pop-constant/1", input_path=source, users=None, output=None)
        ranked = tmp_path / "ranked.jsonl"
        code = predict_file(model="pop-constant/1", input_path=source, users="5,6", output=ranked)
        assert code == 0
        rows = [json.loads(line) for line in ranked.read_text().splitlines()]
        assert {(r["user_id"], r["tweet_id"]) for r in rows} == {
            (u, t) for u in ("5", "6") for t in ("8", "9", "10")
        }
        # regression: --users is ignored with a note; one line per scored tweet
        predicted = tmp_path / "predicted.jsonl"
        code = predict_file(
            model="pop-hybrid_cnn_retweets@champion",
            input_path=source,
            users="5",
            output=predicted,
            observed_at="2026-03-02T12:00:00Z",
        )
        assert code == 0
        assert "--users is ignored" in capsys.readouterr().err
        records = [json.loads(line) for line in predicted.read_text().splitlines()]
        assert [(r["tweet_id"], r["target"]) for r in records] == [
            ("8", "log_retweets"),
            ("9", "log_retweets"),
        ]
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)


def test_predict_file_warns_when_observed_at_is_far_outside_the_training_range(
    tmp_path, monkeypatch, capsys
):
    import dataclasses

    from pop_pipeline.scoring.predict import predict_file

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("range", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    fx.write_photo(tmp_path / "media")
    _input_file(tmp_path)
    try:
        publish_regression_model(
            package=dataclasses.replace(fx.hybrid_cnn_package(), training_hours_elapsed=(10, 30)),
            params={},
            epoch_losses=[1.0],
            validation_losses=[],
            test_metrics={"medae": 0.5},
            main_metric="medae",
            higher_is_better=False,
            data_version="x",
        )
        capsys.readouterr()

        def predict(observed_at: str) -> str:
            code = predict_file(
                model="pop-hybrid_cnn_retweets@champion",
                input_path=tmp_path / "input.jsonl",
                users=None,
                output=tmp_path / "out.jsonl",
                observed_at=observed_at,
            )
            assert code == 0
            return capsys.readouterr().err

        # tweets 8 and 9 were posted at 11:30: 20.5 hours (10, its photo missing, is skipped)
        assert "warning" not in predict("2026-03-02T08:00:00Z")
        far = predict("2026-12-01T00:00:00Z")
        [warning] = [line for line in far.splitlines() if line.startswith("warning")]
        assert warning.startswith(
            "warning: observed at 2026-12-01T00:00:00+00:00, 2 tweets (8, 9) are 6,588.5 "
            "hours old, far outside the 10.0 to 30.0 hours elapsed "
            "pop-hybrid_cnn_retweets was trained on"
        )
        assert "skipped input.jsonl line 3 (tweet 10): media_missing: " in far
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
