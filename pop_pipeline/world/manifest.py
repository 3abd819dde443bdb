"""``manifest.json``: what a world is, and the sha256 and size of every other file in it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pop_pipeline.world.clock import iso_ms
from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.raw_format import FORMAT_VERSION, GENERATOR, dumps

MANIFEST_NAME = "manifest.json"


def build_manifest(
    config: WorldConfig,
    start_ms: int,
    end_ms: int,
    collected_ms: int,
    counts: dict[str, int],
    files: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The manifest dict, keys in the documented order (``files`` sorted by path)."""
    return {
        "format_version": FORMAT_VERSION,
        "generator": GENERATOR,
        "preset": config.preset,
        "seed": config.seed,
        "config": config.to_dict(),
        "collected_at": iso_ms(collected_ms),
        "time_span": {"start": iso_ms(start_ms), "end": iso_ms(end_ms)},
        "counts": {
            key: int(counts[key])
            for key in ("users", "follows", "tweets", "retweets", "replies", "media")
        },
        "files": {path: files[path] for path in sorted(files)},
    }


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    (root / MANIFEST_NAME).write_text(dumps(manifest) + "\n", encoding="utf-8")


def read_manifest(root: str | Path) -> dict[str, Any]:
    return json.loads((Path(root) / MANIFEST_NAME).read_text(encoding="utf-8"))


def verify_manifest(root: str | Path) -> list[str]:
    """Problems found comparing the files under ``root`` with its manifest (empty: all good)."""
    root = Path(root)
    manifest = read_manifest(root)
    listed = manifest["files"]
    problems = []
    present = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    }
    problems += [f"unlisted file {path}" for path in sorted(present - set(listed))]
    for path, entry in listed.items():
        file = root / path
        if not file.is_file():
            problems.append(f"missing file {path}")
            continue
        digest = hashlib.sha256()
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != entry["sha256"] or file.stat().st_size != entry["bytes"]:
            problems.append(f"checksum mismatch {path}")
    return problems
