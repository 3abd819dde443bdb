"""AMNL's margin c: one default (the model config's), shown in the launchpad, reaching the model."""

import dataclasses

import pytest
import torch

from pop_pipeline.defs.ranking.model_assets import ranking_model_assets
from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS
from pop_pipeline.ml.models.ranking.amnl import AMNLConfig
from pop_pipeline.ml.models.ranking.amnl_plus import AMNLPlusConfig
from pop_pipeline.ranking.fit.trainers import train_amnl, train_amnl_plus
from pop_pipeline_tests.ranking.fit.test_amnl_plus_trainer import ranking_data

SPECS = {spec.name: spec for spec in RANKING_MODEL_SPECS}
ASSETS = {asset.key.to_user_string(): asset for asset in ranking_model_assets}
TINY = {"epochs": 1, "batch_size": 8, "preference_dim": 4}


def launchpad_default(asset_name: str, field: str) -> object:
    """The default the Dagster launchpad shows for ``field`` of the asset's run config."""
    return ASSETS[asset_name].op.config_field.config_type.fields[field].default_value


def model_default(config: type, field: str) -> object:
    return next(item.default for item in dataclasses.fields(config) if item.name == field)


@pytest.mark.parametrize("model", ["amnl", "amnl_i", "amnl_d", "amnl_hfunc"])
def test_amnl_launchpad_margin_is_the_model_configs_default(model):
    assert launchpad_default(f"{model}_model", "margin") == model_default(AMNLConfig, "margin")


@pytest.mark.parametrize("model", ["amnl_plus", "amnl_plus_i", "amnl_plus_hfunc"])
def test_amnl_plus_launchpad_margin_is_the_model_configs_default(model):
    assert launchpad_default(f"{model}_model", "margin") == model_default(AMNLPlusConfig, "margin")
    assert model_default(AMNLPlusConfig, "margin") == model_default(AMNLConfig, "margin")


def test_a_margin_set_in_run_config_reaches_the_amnl_model():
    data, _ = ranking_data()
    spec = SPECS["amnl"]
    params = spec.training_params(spec.config(margin=0.35, attention_dim=4, **TINY))

    package, _ = train_amnl(data, params, torch.device("cpu"))

    assert package.model.config.margin == 0.35 and package.model.loss.margin == 0.35


def test_a_margin_set_in_run_config_reaches_the_amnl_plus_model():
    data, features = ranking_data()
    spec = SPECS["amnl_plus"]
    config = spec.config(
        margin=0.25,
        social_attention_dim=4,
        text_attention_dim=4,
        rnn_dim=4,
        glimpse_size=2,
        **TINY,
    )

    model, _ = train_amnl_plus(data, features, spec.training_params(config), torch.device("cpu"))

    assert model.config.margin == 0.25 and model.ranking.loss.margin == 0.25
