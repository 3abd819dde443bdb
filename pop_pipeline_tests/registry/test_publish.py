import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.registry.publish import publish_ranking_model

CONSTANT_MODEL_CODE = """
import mlflow
import pandas as pd


class Constant(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"score": [0.0] * len(model_input)})


mlflow.models.set_model(Constant())
"""


@pytest.fixture
def tracking(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("rank", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield MlflowClient()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


def test_ranking_models_gate_on_auc_and_log_only_the_training_loss(tracking, tmp_path):
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "x.json").write_text("{}")
    (tmp_path / "constant.py").write_text(CONSTANT_MODEL_CODE)
    example = pd.DataFrame({"user_id": ["1"], "tweet_id": ["2"]})

    def publish(auc: float):
        return publish_ranking_model(
            model_name="toy",
            model_code=tmp_path / "constant.py",
            package_dir=tmp_path / "package",
            params={"epochs": 2},
            epoch_losses=[0.7, 0.6],
            test_metrics={"auc": auc, "p@1": 0.5},
            input_example=example,
            output_example=pd.DataFrame({"score": [0.0]}),
            data_version="v",
        )

    first, second = publish(0.7), publish(0.6)
    assert first.decision.promoted and not second.decision.promoted
    assert second.decision.reason == "kept champion v1: auc 0.6000 <= champion v1 0.7000"
    run = tracking.get_run(first.run_id)
    assert run.data.metrics["test_p_at_1"] == 0.5 and run.data.tags["pop.model"] == "toy"
    assert "pop.task" not in run.data.tags
    assert [m.value for m in tracking.get_metric_history(first.run_id, "train_loss")] == [0.7, 0.6]
    assert tracking.get_metric_history(first.run_id, "validation_loss") == []


def test_a_long_loss_history_is_logged_whole(tracking, tmp_path):
    # more than one REST batch (MLflow's limit is 1,000 metrics): MlflowClient splits it itself
    losses = [1.0 / (step + 1) for step in range(2_345)]
    published = publish_ranking_model(
        model_name="long",
        model_code=tmp_path / "unused.py",
        package_dir=tmp_path,
        params={},
        epoch_losses=losses,
        test_metrics={"auc": 0.5},
        input_example=pd.DataFrame({"user_id": ["1"], "tweet_id": ["2"]}),
        output_example=pd.DataFrame({"score": [0.0]}),
        data_version="v",
        register=False,
    )
    history = tracking.get_metric_history(published.run_id, "train_loss")
    assert sorted((m.step, m.value) for m in history) == list(enumerate(losses))
