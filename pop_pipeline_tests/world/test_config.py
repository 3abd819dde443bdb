"""World config: presets, YAML/JSON overrides, validation."""

from __future__ import annotations

import json

import pytest

from pop_pipeline.world import PRESETS, WorldConfig, load_world_config


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads_with_its_name(preset):
    config = load_world_config(preset)
    assert config.preset == preset
    assert config.to_dict()["preset"] == preset


def test_preset_sizes_match_the_spec():
    assert load_world_config("tiny").population.n_users == 300
    assert load_world_config("tiny").content.n_tweets == 500
    paper = load_world_config("paper")
    assert (paper.population.n_users, paper.content.n_tweets) == (9900, 7193)
    assert round(paper.follows.mean_followees * paper.population.n_users) == 29501
    assert paper.follows.max_followees == 162
    large = load_world_config("large")
    assert (large.population.n_users, large.content.n_tweets) == (100_000, 1_000_000)


def test_yaml_overrides_nested_dotted_and_bare_keys(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(
        "population:\n  n_users: 123\n"
        "content.n_tweets: 77\n"
        "jpeg_quality: 80\n"
        "engagement:\n  retweet:\n    b1: 4.5\n",
        encoding="utf-8",
    )
    config = load_world_config("tiny", path)
    assert config.population.n_users == 123
    assert config.content.n_tweets == 77
    assert config.images.jpeg_quality == 80
    assert config.engagement.retweet.b1 == 4.5
    assert config.engagement.like.b1 == load_world_config("tiny").engagement.like.b1
    assert config.time.days == load_world_config("tiny").time.days  # preset value kept


def test_json_overrides_and_seed_argument_wins(tmp_path):
    path = tmp_path / "world.json"
    path.write_text(json.dumps({"n_users": 50, "seed": 5}), encoding="utf-8")
    assert load_world_config("demo", path).population.n_users == 50
    assert load_world_config("demo", path).seed == 5
    assert load_world_config("demo", path, seed=9).seed == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"population": {"n_userz": 5}}, "population.n_userz"),
        ({"no_such_knob": 1}, "no_such_knob"),
        ({"population.nope": 1}, "population.nope"),
        ({"b1": 3.0}, "ambiguous"),
        ({"n_users": "many"}, "population.n_users"),
        ({"n_users": 1}, "n_users >= 2"),
        ({"preset": "demo"}, "preset"),
    ],
)
def test_bad_override_raises_value_error_naming_the_key(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        load_world_config("tiny", path)


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown world preset"):
        load_world_config("huge")


def test_config_is_frozen_and_round_trips_through_dict():
    config = load_world_config("tiny", seed=3)
    with pytest.raises(AttributeError):
        config.seed = 4  # type: ignore[misc]
    assert WorldConfig.from_dict(config.to_dict()) == config
