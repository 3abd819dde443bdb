"""Shared fixtures: one ``tiny`` world generated once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pop_pipeline.world import generate_world, load_world_config


@pytest.fixture(scope="session")
def tiny_config():
    return load_world_config("tiny")


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory, tiny_config) -> Path:
    """A generated ``tiny`` world (read-only: tests that modify files copy it first)."""
    root = tmp_path_factory.mktemp("tiny_world")
    generate_world(tiny_config, root)
    return root


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
