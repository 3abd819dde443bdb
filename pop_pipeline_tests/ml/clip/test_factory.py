"""The in-domain architecture config, the factory, devices and weight identities."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import open_clip
import pytest
import torch

from pop_pipeline.ml.clip import (
    IN_DOMAIN_MODEL,
    create_clip,
    encode_texts,
    register_model_configs,
    resolve_device,
)
from pop_pipeline.ml.clip.architectures import MODEL_CONFIG_DIR


def test_register_model_configs_is_idempotent():
    assert register_model_configs() == [IN_DOMAIN_MODEL]
    assert register_model_configs() == [IN_DOMAIN_MODEL]
    from open_clip import factory

    assert factory._MODEL_CONFIG_PATHS.count(MODEL_CONFIG_DIR) == 1
    assert IN_DOMAIN_MODEL in open_clip.list_models()
    assert open_clip.get_model_config(IN_DOMAIN_MODEL)["embed_dim"] == 128


def test_in_domain_model_has_the_configured_shape(bundle, image_files):
    from PIL import Image

    parameters = sum(p.numel() for p in bundle.model.parameters())
    assert 12_000_000 < parameters < 13_500_000
    assert bundle.device == torch.device("cpu")
    assert not bundle.model.training
    with Image.open(image_files[0]) as image:
        pixels = bundle.preprocess(image.convert("RGB"))
    assert pixels.shape == (3, 64, 64)
    tokens = bundle.tokenizer(["a red circle", "a blue square"])
    assert tokens.shape == (2, 32)
    with torch.no_grad():
        image_features = bundle.model.encode_image(pixels[None])
        text_features = bundle.model.encode_text(tokens)
    assert image_features.shape == (1, 128)
    assert text_features.shape == (2, 128)


def test_unknown_architecture_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown CLIP architecture 'pop-clip-huge'"):
        create_clip("pop-clip-huge")


def test_seed_decides_the_random_weights():
    first = create_clip(IN_DOMAIN_MODEL, seed=1).identity()
    again = create_clip(IN_DOMAIN_MODEL, seed=1).identity()
    other = create_clip(IN_DOMAIN_MODEL, seed=2).identity()
    assert first == again
    assert first.weights_sha256 != other.weights_sha256
    assert first.architecture == IN_DOMAIN_MODEL
    assert first.pretrained is None
    assert len(first.weights_sha256) == 64


def test_creating_a_model_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    create_clip(IN_DOMAIN_MODEL, seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_weights_hash_is_stable_across_processes():
    script = (
        "from pop_pipeline.ml.clip import create_clip, IN_DOMAIN_MODEL;"
        "print(create_clip(IN_DOMAIN_MODEL, seed=3, device='cpu').identity().weights_sha256)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert result.stdout.strip() == create_clip(IN_DOMAIN_MODEL, seed=3).identity().weights_sha256


def test_device_comes_from_argument_then_pop_device(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("POP_DEVICE", "meta")
    assert resolve_device() == torch.device("meta")
    monkeypatch.delenv("POP_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device().type == expected


def test_identity_changes_when_weights_change(bundle):
    before = bundle.identity()
    texts_before = encode_texts(bundle, ["a red circle"])
    with torch.no_grad():
        bundle.model.text_projection.add_(0.01)
    assert bundle.identity().weights_sha256 != before.weights_sha256
    assert not np.allclose(encode_texts(bundle, ["a red circle"]), texts_before)
