"""Preparing the folder a world is written into.

A world may be written into a missing or empty folder, or over a previous world (a folder
whose ``manifest.json`` was written by this generator, or holding the in-progress marker of
an interrupted run). Anything else is refused, so a typo never wipes unrelated files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pop_pipeline.world.raw_format import GENERATOR

IN_PROGRESS_MARKER = ".world_in_progress"
WORK_DIR = ".world_work"
WORLD_ENTRIES = (
    "manifest.json",
    "users.jsonl",
    "follows.jsonl",
    "tweets.jsonl",
    "retweets.jsonl",
    "replies.jsonl",
    "media.jsonl",
    "media",
    "oracle",
    WORK_DIR,
    IN_PROGRESS_MARKER,
)


def is_previous_world(root: Path) -> bool:
    """True if ``root`` holds a world written by this generator (complete or interrupted)."""
    if (root / IN_PROGRESS_MARKER).exists():
        return True
    manifest = root / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("generator") == GENERATOR
    except (OSError, ValueError):
        return False


def prepare_output_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` or clear the previous world in it; refuse other non-empty folders.

    Raises:
        FileExistsError: ``out_dir`` is a file, or a non-empty folder that is not a world.
    """
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise FileExistsError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        if not is_previous_world(root):
            raise FileExistsError(
                f"{root} is not empty and holds no previous world; choose an empty folder"
            )
        for name in WORLD_ENTRIES:
            path = root / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    (root / IN_PROGRESS_MARKER).write_text("generation in progress\n", encoding="utf-8")
    return root


def finish_output_dir(root: Path) -> None:
    """Remove the work folder and the in-progress marker."""
    shutil.rmtree(root / WORK_DIR, ignore_errors=True)
    (root / IN_PROGRESS_MARKER).unlink(missing_ok=True)
