"""The streaming (``large``) code path: chunked writing with a bounded number of tweets held."""

from __future__ import annotations

import dataclasses
import json

import yaml

from pop_pipeline.world import load_world_config
from pop_pipeline.world.config import OutputConfig
from pop_pipeline.world.generate import generate_world_with_stats
from pop_pipeline.world.manifest import verify_manifest
from pop_pipeline_tests.world.conftest import read_jsonl


def test_large_preset_shrunk_streams_in_chunks(tmp_path):
    overrides = tmp_path / "shrink.yaml"
    overrides.write_text(
        yaml.safe_dump(
            {
                "population": {"n_users": 800},
                "content": {"n_tweets": 1200},
                "output": {"chunk_size": 150},
                "images": {"size": 32},
                "time": {"days": 8.0},
            }
        ),
        encoding="utf-8",
    )
    config = load_world_config("large", overrides)
    calls = []
    manifest, stats = generate_world_with_stats(
        config, tmp_path / "world", progress=lambda *args: calls.append(args)
    )
    assert stats.peak_tweets_held <= 150
    assert stats.chunks >= 1200 // 150
    tweet_progress = [done for stage, done, total in calls if stage == "tweets"]
    assert len(tweet_progress) == stats.chunks and tweet_progress[-1] == 1200
    root = tmp_path / "world"
    assert verify_manifest(root) == []
    assert manifest["counts"]["tweets"] == 1200
    retweets = read_jsonl(root / "retweets.jsonl")
    assert len(retweets) == manifest["counts"]["retweets"] > 1200
    times = [r["created_at"] for r in retweets]
    assert times == sorted(times)  # merged across chunk runs
    assert [int(r["id"]) for r in retweets] == sorted(int(r["id"]) for r in retweets)
    assert not (root / ".world_work").exists()


def test_chunk_size_does_not_change_the_world(tmp_path, tiny_world, tiny_config):
    chunked = dataclasses.replace(tiny_config, output=OutputConfig(chunk_size=64))
    manifest, stats = generate_world_with_stats(chunked, tmp_path / "chunked")
    assert stats.chunks == 8 and stats.peak_tweets_held == 64
    original = json.loads((tiny_world / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == original["files"]  # every file but the manifest is identical


def test_parallel_workers_do_not_change_the_world(tmp_path, tiny_world, tiny_config):
    parallel = dataclasses.replace(tiny_config, output=OutputConfig(chunk_size=200, workers=2))
    manifest, stats = generate_world_with_stats(parallel, tmp_path / "parallel")
    assert stats.peak_tweets_held <= 200 and stats.images == manifest["counts"]["media"]
    original = json.loads((tiny_world / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == original["files"]
