"""Batch encoding: unit rows, determinism, batch-size independence, broken images."""

from __future__ import annotations

import numpy as np

from pop_pipeline.ml.clip import EncodedImages, encode_images, encode_texts


def test_image_embeddings_are_unit_rows(bundle, image_files):
    encoded = encode_images(bundle, image_files)

    assert isinstance(encoded, EncodedImages)
    assert encoded.embeddings.shape == (6, 128)
    assert encoded.embeddings.dtype == np.float32
    assert encoded.failed == []
    assert encoded.ok.all()
    np.testing.assert_allclose(np.linalg.norm(encoded.embeddings, axis=1), 1.0, atol=1e-5)
    # Different pictures, different embeddings.
    similarity = encoded.embeddings @ encoded.embeddings.T
    assert similarity[~np.eye(6, dtype=bool)].max() < 0.9999


def test_image_encoding_is_deterministic_and_batch_size_independent(bundle, image_files):
    reference = encode_images(bundle, image_files, batch_size=256).embeddings

    np.testing.assert_array_equal(encode_images(bundle, image_files).embeddings, reference)
    for batch_size, workers in [(1, 1), (4, 3)]:
        embeddings = encode_images(
            bundle, image_files, batch_size=batch_size, num_workers=workers
        ).embeddings
        np.testing.assert_allclose(embeddings, reference, atol=1e-5)


def test_broken_images_become_failed_rows(bundle, image_files, tmp_path):
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8 this is not a jpeg")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    uris = [image_files[0], str(garbage), image_files[1], str(tmp_path / "absent.jpg"), str(empty)]

    encoded = encode_images(bundle, uris, batch_size=2)

    assert encoded.failed == [(1, "media_undecodable"), (3, "media_missing"), (4, "media_empty")]
    assert encoded.ok.tolist() == [True, False, True, False, False]
    assert np.isnan(encoded.embeddings[[1, 3, 4]]).all()
    good = encode_images(bundle, image_files[:2]).embeddings
    np.testing.assert_allclose(encoded.embeddings[[0, 2]], good, atol=1e-5)


def test_progress_reports_every_batch(bundle, image_files):
    calls: list[tuple[int, int]] = []
    encode_images(bundle, image_files, batch_size=4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(4, 6), (6, 6)]

    calls.clear()
    encode_texts(bundle, ["a"] * 5, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_empty_inputs(bundle):
    assert encode_images(bundle, []).embeddings.shape == (0, 128)
    assert encode_texts(bundle, []).shape == (0, 128)


def test_text_embeddings(bundle):
    texts = ["a red circle", "a blue square #shapes", "word " * 100, ""]

    reference = encode_texts(bundle, texts)

    assert reference.shape == (4, 128)
    assert reference.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(reference[0], reference[1])
    np.testing.assert_array_equal(encode_texts(bundle, texts), reference)
    np.testing.assert_allclose(encode_texts(bundle, texts, batch_size=1), reference, atol=1e-5)
