import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pop_pipeline.registry.gate import register_with_gate


class _Constant(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"score": [0.0] * len(model_input)})


@pytest.fixture
def tracking(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow.create_experiment("gate", artifact_location=(tmp_path / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield MlflowClient()
    mlflow.set_tracking_uri(None)


def _logged() -> str:
    with mlflow.start_run():
        return mlflow.pyfunc.log_model(
            name="model", python_model=_Constant(), pip_requirements=["pandas"]
        ).model_uri


def test_champion_moves_only_on_a_strictly_better_metric(tracking):
    first = register_with_gate(model_uri=_logged(), model_name="pop-x", metric="auc", value=0.7)
    assert first.promoted and first.reason == "promoted: no champion yet"
    worse = register_with_gate(model_uri=_logged(), model_name="pop-x", metric="auc", value=0.7)
    assert not worse.promoted
    assert worse.reason == "kept champion v1: auc 0.7000 <= champion v1 0.7000"
    better = register_with_gate(model_uri=_logged(), model_name="pop-x", metric="auc", value=0.8)
    assert better.promoted and better.champion_version == "1"

    champion = tracking.get_model_version_by_alias("pop-x", "champion")
    challenger = tracking.get_model_version_by_alias("pop-x", "challenger")
    assert (str(champion.version), str(challenger.version)) == ("3", "3")
    second = tracking.get_model_version("pop-x", "2")
    assert second.tags["gate_decision"] == "kept_champion"
    assert second.tags["gate_metric"] == "auc"


def test_lower_is_better_metrics(tracking):
    register_with_gate(
        model_uri=_logged(), model_name="pop-y", metric="mae", value=1.0, higher_is_better=False
    )
    decision = register_with_gate(
        model_uri=_logged(), model_name="pop-y", metric="mae", value=0.9, higher_is_better=False
    )
    assert decision.promoted
    assert decision.reason == "promoted: mae 0.9000 < champion v1 1.0000"
