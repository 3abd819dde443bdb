"""The ranking-model spec table: one asset per model, ablations as fixed parameters, run plans."""

import dataclasses

import dagster as dg
import pandas as pd
import pytest

from pop_pipeline.defs.ranking.model_assets import planned_runs, ranking_model_assets
from pop_pipeline.defs.ranking.model_configs import DEMO_BUDGET
from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS
from pop_pipeline.ranking.fit.content_trainers import (
    CitingTrainingParams,
    DSempreTrainingParams,
    VbprTrainingParams,
)
from pop_pipeline.ranking.fit.trainers import (
    AmnlPlusTrainingParams,
    AmnlTrainingParams,
    BprTrainingParams,
)
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline_tests.lineage_runs import RANKING_MODELS

SPECS = {spec.name: spec for spec in RANKING_MODEL_SPECS}


@pytest.fixture
def store(tmp_path) -> DuckDBStore:
    """A DuckDB file with a D-Sempre split whose training share is 0.75."""
    store = DuckDBStore(tmp_path / "pop.duckdb")
    store.replace_table(
        "recent_action_splits",
        pd.DataFrame({"user_id": ["1", "1"], "split": ["train", "test"], "train_fraction": 0.75}),
    )
    return store


def test_one_spec_and_one_asset_per_model_of_the_issue():
    assert set(SPECS) == set(RANKING_MODELS)
    names = {key.to_user_string() for asset in ranking_model_assets for key in asset.keys}
    assert names == {f"{model}_model" for model in RANKING_MODELS}


def test_each_asset_waits_for_the_features_its_model_reads():
    deps = {
        asset.key.to_user_string(): {key.to_user_string() for key in asset.dependency_keys}
        for asset in ranking_model_assets
    }
    for model in ("amnl_plus", "amnl_plus_i", "amnl_plus_hfunc"):
        assert {"tweet_patch_features", "tweet_sentence_features"} <= deps[f"{model}_model"]
    assert "user_profile_embeddings" in deps["dsempre_nosem_model"]
    assert "tweet_patch_features" not in deps["vbpr_model"]
    for model_deps in deps.values():
        assert {"followee_negative_triplets", "dsempre_test_candidates"} <= model_deps


def test_config_defaults_are_the_trainers_plus_the_demo_budget_plus_the_variant():
    def params(name):
        spec = SPECS[name]
        return spec.training_params(spec.config())

    amnl = AmnlTrainingParams(**DEMO_BUDGET["amnl"])
    assert params("amnl") == amnl
    assert params("amnl_i") == dataclasses.replace(amnl, modalities=("image",))
    assert params("amnl_d") == dataclasses.replace(amnl, modalities=("text",))
    assert params("amnl_hfunc") == dataclasses.replace(amnl, use_social_impact=False)
    amnl_plus = AmnlPlusTrainingParams(**DEMO_BUDGET["amnl_plus"])
    assert params("amnl_plus") == amnl_plus
    assert params("amnl_plus_i") == dataclasses.replace(amnl_plus, textual_guidance=False)
    assert params("amnl_plus_hfunc") == dataclasses.replace(amnl_plus, use_social_impact=False)
    dsempre = DSempreTrainingParams(**DEMO_BUDGET["dsempre"])
    assert params("dsempre") == dsempre
    assert params("dsempre_nosem") == dataclasses.replace(dsempre, semantic_weight=0.0)
    assert params("citing") == CitingTrainingParams()
    assert params("vbpr") == VbprTrainingParams(**DEMO_BUDGET["vbpr"])
    assert params("bpr") == BprTrainingParams(**DEMO_BUDGET["bpr"])
    # every departure from a trainer default is a documented budget entry, nothing else
    assert AmnlTrainingParams().preference_dim == 400 and amnl.preference_dim == 64


def test_run_config_reaches_the_trainer_but_cannot_undo_an_ablation():
    spec = SPECS["amnl_i"]
    params = spec.training_params(spec.config(epochs=3, preference_dim=8))
    assert (params.epochs, params.preference_dim, params.modalities) == (3, 8, ("image",))
    fields = {f.name for f in dataclasses.fields(spec.params)}
    assert "modalities" in fields and "modalities" not in spec.config.model_fields


def test_main_models_train_on_every_amnl_fraction_and_register_the_largest(store):
    runs, registered = planned_runs(SPECS["amnl"], SPECS["amnl"].config(), store)
    assert runs == [("amnl", 0.6), ("amnl", 0.7), ("amnl", 0.8)]
    assert registered == ("amnl", 0.8)


def test_baselines_also_train_on_the_dsempre_split_but_register_the_amnl_run(store):
    runs, registered = planned_runs(SPECS["vbpr"], SPECS["vbpr"].config(), store)
    assert runs == [("amnl", 0.6), ("amnl", 0.7), ("amnl", 0.8), ("dsempre", 0.75)]
    assert registered == ("amnl", 0.8)


def test_ablations_follow_table_iv_and_dsempre_its_own_protocol(store):
    assert planned_runs(SPECS["amnl_plus_hfunc"], SPECS["amnl_plus_hfunc"].config(), store) == (
        [("amnl", 0.8)],
        ("amnl", 0.8),
    )
    assert planned_runs(SPECS["dsempre"], SPECS["dsempre"].config(), store) == (
        [("dsempre", 0.75)],
        ("dsempre", 0.75),
    )
    spec = SPECS["dsempre"]
    both = spec.config(train_fractions=[0.7])
    assert planned_runs(spec, both, store) == (
        [("amnl", 0.7), ("dsempre", 0.75)],
        ("dsempre", 0.75),
    )
    with pytest.raises(ValueError, match="nothing to do"):
        planned_runs(spec, spec.config(dsempre_protocol=False), store)


def test_only_popularity_trains_in_the_duckdb_pool():
    pools = {asset.key.to_user_string(): asset.op.pool for asset in ranking_model_assets}
    assert {name for name, pool in pools.items() if pool == "duckdb"} == {"popularity_model"}
    assert isinstance(ranking_model_assets[0], dg.AssetsDefinition)
