"""UHAN's learning rate and DSN's window l: one default each, shown in the launchpad, reaching
the optimiser and the model."""

import dataclasses

import pytest
import torch

from pop_pipeline.defs.regression.model_assets import regression_model_assets
from pop_pipeline.defs.regression.model_specs import REGRESSION_MODEL_SPECS
from pop_pipeline.ml.models.regression.dsn import DSNConfig
from pop_pipeline.ml.training.regression_loop import RegressionTrainingConfig
from pop_pipeline_tests.regression.fit.regression_toy import toy_data

SPECS = {spec.name: spec for spec in REGRESSION_MODEL_SPECS}
ASSETS = {asset.key.to_user_string(): asset for asset in regression_model_assets}
CPU = torch.device("cpu")
TINY_DSN = {"hidden_dim": 8, "n_heads": 2, "user_dim": 4, "epochs": 1, "batch_size": 16}


def launchpad_fields(asset_name: str) -> dict:
    """The fields of the asset's run config as the Dagster launchpad shows them."""
    return ASSETS[asset_name].op.config_field.config_type.fields


def default_of(config: type, field: str) -> object:
    return next(item.default for item in dataclasses.fields(config) if item.name == field)


@pytest.mark.parametrize(
    "model", ["uhan", "uhan_no_intra", "uhan_no_inter", "hybrid_cnn_likes", "dsn"]
)
def test_launchpad_learning_rate_is_the_training_configs_default(model):
    shown = launchpad_fields(model)["learning_rate"].default_value
    assert shown == default_of(RegressionTrainingConfig, "learning_rate")


def test_a_learning_rate_set_in_run_config_reaches_uhans_optimiser(tmp_path, monkeypatch):
    rates: list[float] = []
    adam = torch.optim.Adam

    def recording_adam(params, lr, **kwargs):
        rates.append(lr)
        return adam(params, lr=lr, **kwargs)

    monkeypatch.setattr(torch.optim, "Adam", recording_adam)
    data, _ = toy_data(tmp_path, "paper002")
    spec = SPECS["uhan"]
    spec.fit(data, spec.config(dim=8, epochs=1, batch_size=16, learning_rate=0.0123), CPU, None)
    assert rates == [0.0123]


@pytest.mark.parametrize("model", ["dsn", "dsn_no_short", "dsn_no_long"])
def test_launchpad_window_is_dsns_default(model):
    shown = launchpad_fields(model)["sequence_length"].default_value
    assert shown == default_of(DSNConfig, "sequence_length") == 8


@pytest.mark.parametrize(("model", "length"), [("dsn_l1", 1), ("dsn_l4", 4), ("dsn_l16", 16)])
def test_table_3s_window_variants_fix_l_like_an_ablation(tmp_path, model, length):
    assert "sequence_length" not in launchpad_fields(model)
    data, _ = toy_data(tmp_path, "paper004")
    fitted = SPECS[model].fit(data, SPECS[model].config(**TINY_DSN), CPU, None)
    assert fitted.estimator_spec["config"]["sequence_length"] == length
    assert fitted.feature_config.sequence_length == length


def test_a_window_set_in_run_config_reaches_the_model_and_its_data(tmp_path):
    data, _ = toy_data(tmp_path, "paper004")
    spec = SPECS["dsn"]
    fitted = spec.fit(data, spec.config(sequence_length=2, **TINY_DSN), CPU, None)
    assert fitted.estimator_spec["config"]["sequence_length"] == 2
    assert fitted.feature_config.sequence_length == 2
