"""Where a world may be written."""

from __future__ import annotations

import shutil

import pytest

from pop_pipeline.world.output_dir import prepare_output_dir


def test_refuses_a_non_empty_folder_that_is_not_a_world(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not empty"):
        prepare_output_dir(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_accepts_missing_and_empty_folders(tmp_path):
    assert prepare_output_dir(tmp_path / "a" / "b").is_dir()
    (tmp_path / "empty").mkdir()
    assert prepare_output_dir(tmp_path / "empty").is_dir()


def test_replaces_a_previous_world_but_keeps_other_files(tmp_path, tiny_world):
    target = tmp_path / "world"
    shutil.copytree(tiny_world, target)
    (target / "README.txt").write_text("mine", encoding="utf-8")
    prepare_output_dir(target)
    assert not (target / "tweets.jsonl").exists()
    assert not (target / "media").exists()
    assert (target / "README.txt").exists()
