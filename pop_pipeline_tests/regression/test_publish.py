import math

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.regression.packages import REGRESSION_TASK, TASK_TAG
from pop_pipeline.regression.publish import publish_regression_model
from pop_pipeline.regression.pyfunc import RegressionPyfunc, predict_rows
from pop_pipeline_tests.regression import regression_fixtures as fx


@pytest.fixture
def tracking(tmp_path):
    """A local MLflow store (SQLite backend, file artifacts) in a temporary folder."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("reg", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield MlflowClient()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def _publish(package, metrics, main_metric, higher_is_better, register=True):
    return publish_regression_model(
        package=package,
        params={"epochs": 3, "seed": 0},
        epoch_losses=[3.0, 2.0, 1.5],
        validation_losses=[3.5, 2.5, 2.6],
        test_metrics=metrics,
        main_metric=main_metric,
        higher_is_better=higher_is_better,
        data_version="abc",
        register=register,
    )


def test_run_params_metrics_losses_and_tags(tracking):
    package = fx.hybrid_cnn_package()
    published = _publish(package, {"medae": 0.5, "spearman": 0.3}, "medae", False)
    run = tracking.get_run(published.run_id)
    assert run.data.params["epochs"] == "3" and run.data.params["protocol"] == "paper001"
    assert run.data.params["target"] == "log_retweets"
    assert run.data.params["estimator_class"] == "HybridCNN"
    assert run.data.metrics["test_medae"] == 0.5 and run.data.metrics["test_spearman"] == 0.3
    history = tracking.get_metric_history(published.run_id, "train_loss")
    assert [(m.step, m.value) for m in history] == [(0, 3.0), (1, 2.0), (2, 1.5)]
    validation = tracking.get_metric_history(published.run_id, "validation_loss")
    assert [m.value for m in sorted(validation, key=lambda m: m.step)] == [3.5, 2.5, 2.6]
    assert run.data.tags[TASK_TAG] == REGRESSION_TASK
    assert run.data.tags["pop.model"] == "hybrid_cnn_retweets"
    version = tracking.get_model_version("pop-hybrid_cnn_retweets", published.decision.version)
    assert version.tags[TASK_TAG] == REGRESSION_TASK and version.tags["gate_metric"] == "medae"
    assert version.tags["pop.target"] == "log_retweets"

    tracked = _publish(package, {"medae": 0.1, "spearman": 0.3}, "medae", False, register=False)
    assert tracked.decision is None and tracked.model_uri is None
    assert len(tracking.search_model_versions("name='pop-hybrid_cnn_retweets'")) == 1
    with pytest.raises(KeyError, match="mae"):
        _publish(package, {"medae": 0.1}, "mae", False)


@pytest.mark.parametrize(
    ("metric", "higher_is_better", "values", "promoted"),
    [
        ("mae", False, [1.0, 1.2, 0.8], [True, False, True]),
        ("spearman", True, [0.4, 0.3, 0.5], [True, False, True]),
    ],
)
def test_champion_moves_only_when_the_main_metric_improves(
    tracking, metric, higher_is_better, values, promoted
):
    package = fx.hybrid_cnn_package()
    decisions = [
        _publish(package, {metric: value, "other": 0.0}, metric, higher_is_better).decision
        for value in values
    ]
    assert [d.promoted for d in decisions] == promoted
    champion = tracking.get_model_version_by_alias("pop-hybrid_cnn_retweets", "champion")
    challenger = tracking.get_model_version_by_alias("pop-hybrid_cnn_retweets", "challenger")
    assert (str(champion.version), str(challenger.version)) == ("3", "3")
    kept = tracking.get_model_version("pop-hybrid_cnn_retweets", "2")
    assert kept.tags["gate_decision"] == "kept_champion"
    assert math.isclose(float(kept.tags["gate_metric_value"]), values[1])


def test_registered_pyfunc_predicts_like_the_package(tracking, tmp_path):
    clip_dir = fx.clip_package(tmp_path / "clip")
    photo = fx.write_photo(tmp_path / "media")
    package = fx.dsn_package(clip_dir, photo)
    published = _publish(package, {"mae": 0.7, "spearman": 0.2}, "mae", False)
    assert published.decision.promoted

    loaded = mlflow.pyfunc.load_model("models:/pop-dsn_l4@champion")
    assert isinstance(loaded.unwrap_python_model(), RegressionPyfunc)
    tweets = fx.prediction_tweets(photo, tmp_path / "media" / "missing.png")
    observed = "2026-03-02T12:00:00Z"
    output = loaded.predict(tweets.drop(columns="comments"), params={"observed_at": observed})
    assert list(output.columns) == ["tweet_id", "prediction", "reason", "message"]
    assert output["tweet_id"].tolist() == ["8", "9", "10"]
    expected, _ = package.predict(tweets, observed_at=fx.OBSERVED_AT)
    np.testing.assert_allclose(output["prediction"][:2], expected["prediction"], rtol=1e-6)
    assert np.isnan(output["prediction"].iloc[2])
    assert output["reason"].tolist() == ["", "", "media_missing"]
    # the category levels are optional input columns
    with_categories = loaded.predict(
        tweets.drop(columns="comments").assign(category=["Tech", None, "Art"]),
        params={"observed_at": observed},
    )
    assert np.isfinite(with_categories["prediction"][:2]).all()
    # the logged input example is the latest stored posts (real rows of the history)
    local = mlflow.artifacts.download_artifacts("models:/pop-dsn_l4@champion")
    example = mlflow.models.Model.load(local).load_input_example(local)
    assert example["tweet_id"].astype(str).tolist() == ["2", "3"]
    assert [p.name for p in loaded.metadata.get_params_schema().params] == ["observed_at"]


def test_predict_rows_keeps_input_order_and_reports_repeats(tmp_path):
    photo = fx.write_photo(tmp_path / "media")
    tweets = fx.prediction_tweets(photo, tmp_path / "media" / "missing.png")
    repeated = pd.concat([tweets.iloc[[1]], tweets, tweets.iloc[[1]]], ignore_index=True)
    output = predict_rows(fx.hybrid_cnn_package(), repeated, observed_at=fx.OBSERVED_AT)
    assert output["tweet_id"].tolist() == ["9", "8", "9", "10", "9"]
    assert output["reason"].tolist() == [
        "",
        "",
        "duplicate_tweet_id",
        "media_missing",
        "duplicate_tweet_id",
    ]
    assert output["prediction"].notna().tolist() == [True, True, False, False, False]
