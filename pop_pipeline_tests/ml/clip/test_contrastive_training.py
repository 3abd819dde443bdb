"""Contrastive training on synthetic coloured shapes: it learns, and it is reproducible."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pop_pipeline.ml.clip import (
    IN_DOMAIN_MODEL,
    ContrastiveTrainingConfig,
    create_clip,
    encode_images,
    encode_texts,
    train_contrastive,
)
from pop_pipeline_tests.ml.clip.synthetic import write_shape_pairs

FAST = ContrastiveTrainingConfig(
    epochs=6, batch_size=16, learning_rate=1e-3, warmup_steps=4, weight_decay=0.05, seed=3
)


def test_training_lowers_the_loss_and_learns_to_retrieve(tmp_path):
    uris, captions = write_shape_pairs(tmp_path / "pairs", 64)
    bundle = create_clip(IN_DOMAIN_MODEL, seed=0)
    before = bundle.identity()
    seen: list[int] = []

    history = train_contrastive(
        bundle, uris, captions, FAST, on_epoch_end=lambda epoch, _: seen.append(epoch)
    )

    assert seen == list(range(1, 7))
    assert [row["epoch"] for row in history] == [float(e) for e in range(1, 7)]
    assert {"loss", "seconds", "pairs_per_second", "image_to_text_top1"} <= set(history[0])
    assert history[0]["chance_top1"] == pytest.approx(1 / 16)
    assert history[-1]["loss"] < 0.8 * history[0]["loss"]
    assert history[-1]["image_to_text_top1"] > 3 * history[-1]["chance_top1"]
    assert all(row["pairs_per_second"] > 0 for row in history)
    assert not bundle.model.training
    assert bundle.identity().weights_sha256 != before.weights_sha256

    # Through the encoding API too, the trained model matches images to their captions.
    images = encode_images(bundle, uris[:16]).embeddings
    texts = encode_texts(bundle, captions[:16])
    top1 = np.mean((images @ texts.T).argmax(axis=1) == np.arange(16))
    assert top1 > 2 / 16


def test_training_is_deterministic_on_cpu(tmp_path):
    uris, captions = write_shape_pairs(tmp_path / "pairs", 16)
    config = dataclasses.replace(FAST, epochs=1, batch_size=8)
    hashes, losses = [], []
    for _ in range(2):
        bundle = create_clip(IN_DOMAIN_MODEL, seed=0)
        history = train_contrastive(bundle, uris, captions, config)
        hashes.append(bundle.identity().weights_sha256)
        losses.append([row["loss"] for row in history])
    assert hashes[0] == hashes[1]
    assert losses[0] == losses[1]


def test_mismatched_inputs_are_rejected(bundle):
    with pytest.raises(ValueError, match="2 images but 1 captions"):
        train_contrastive(bundle, ["a.jpg", "b.jpg"], ["a"], FAST)


def test_unreadable_images_are_skipped_and_counted(tmp_path):
    uris, captions = write_shape_pairs(tmp_path / "pairs", 8)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    uris[2] = uris[5] = str(broken)
    config = dataclasses.replace(FAST, epochs=1, batch_size=4)

    history = train_contrastive(create_clip(IN_DOMAIN_MODEL), uris, captions, config)

    assert history[0]["skipped_images"] == 2
    assert history[0]["pairs_per_second"] > 0

    with pytest.raises(ValueError, match="no batch of at least 2 readable images"):
        train_contrastive(create_clip(IN_DOMAIN_MODEL), [str(broken)] * 4, ["x"] * 4, config)
