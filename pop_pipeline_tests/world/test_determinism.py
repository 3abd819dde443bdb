"""Same config and seed give byte-identical worlds; another seed gives another world."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pop_pipeline.world import generate_world


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path, tiny_world, tiny_config):
    again = tmp_path / "again"
    generate_world(tiny_config, again)
    first, second = _files(tiny_world), _files(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_other_seed_gives_other_files(tmp_path, tiny_world, tiny_config):
    other = tmp_path / "other"
    generate_world(dataclasses.replace(tiny_config, seed=tiny_config.seed + 1), other)
    first, second = _files(tiny_world), _files(other)
    for name in ("users.jsonl", "follows.jsonl", "tweets.jsonl", "retweets.jsonl"):
        assert first[name] != second[name], name
    shared_media = set(first) & set(second)
    assert any(first[n] != second[n] for n in shared_media if n.startswith("media/"))
