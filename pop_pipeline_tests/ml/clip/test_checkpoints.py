"""Loading weights from checkpoint files the tests write: safetensors, torch, mismatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pop_pipeline.ml.clip import (
    IN_DOMAIN_MODEL,
    CheckpointMismatchError,
    create_clip,
    encode_images,
    save_checkpoint,
)


@pytest.mark.parametrize("name", ["model.safetensors", "model.pt"])
def test_saved_checkpoint_loads_back_identically(bundle, image_files, tmp_path, name):
    path = tmp_path / "checkpoints" / name
    assert save_checkpoint(bundle, path) == str(path)

    loaded = create_clip(IN_DOMAIN_MODEL, str(path))

    assert loaded.identity().weights_sha256 == bundle.identity().weights_sha256
    assert loaded.identity().pretrained == str(path)
    assert (
        loaded.identity().weights_sha256 != create_clip(IN_DOMAIN_MODEL).identity().weights_sha256
    )
    expected = encode_images(bundle, image_files).embeddings
    np.testing.assert_array_equal(encode_images(loaded, image_files).embeddings, expected)


@pytest.mark.parametrize("wrapped", [True, False], ids=["state_dict_key", "raw"])
def test_torch_state_dict_files_load(bundle, tmp_path, wrapped):
    state_dict = bundle.model.state_dict()
    path = tmp_path / "epoch_3.pt"
    torch.save({"epoch": 3, "state_dict": state_dict} if wrapped else state_dict, path)

    loaded = create_clip(IN_DOMAIN_MODEL, str(path))

    assert loaded.identity().weights_sha256 == bundle.identity().weights_sha256


def test_mismatching_checkpoint_is_a_clear_error(bundle, tmp_path):
    state_dict = dict(bundle.model.state_dict())
    state_dict["text_projection"] = torch.zeros(192, 512)
    del state_dict["visual.proj"]
    path = tmp_path / "other.pt"
    torch.save(state_dict, path)

    with pytest.raises(CheckpointMismatchError) as error:
        create_clip(IN_DOMAIN_MODEL, str(path))

    message = str(error.value)
    assert "does not match 'pop-clip-tiny'" in message
    assert "missing: visual.proj" in message
    assert "text_projection (192, 512) != (192, 128)" in message


def test_checkpoint_without_tensors_is_rejected(tmp_path):
    path = tmp_path / "notes.pt"
    torch.save({"state_dict": {"logit_scale": "not a tensor"}}, path)
    with pytest.raises(CheckpointMismatchError, match="does not hold a state dict of tensors"):
        create_clip(IN_DOMAIN_MODEL, str(path))


def test_pickled_objects_are_not_loaded(tmp_path):
    path = tmp_path / "pickled.pt"
    torch.save({"state_dict": {}, "payload": object()}, path)
    with pytest.raises(CheckpointMismatchError, match="not a weights-only torch checkpoint"):
        create_clip(IN_DOMAIN_MODEL, str(path))


def test_missing_checkpoint_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="CLIP checkpoint not found"):
        create_clip(IN_DOMAIN_MODEL, str(tmp_path / "absent.safetensors"))
