"""Patch grids of the CLIP image tower: shape, space, spatial order, failures, determinism."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from pop_pipeline.ml.clip import encode_images
from pop_pipeline.ml.clip.patch_features import (
    EncodedPatches,
    encode_image_patches,
    image_patch_tokens,
    patch_grid_shape,
)


def test_grid_of_the_in_domain_model_is_8_by_8_in_the_embedding_space(bundle, image_files):
    encoded = encode_image_patches(bundle, image_files, batch_size=4)

    assert isinstance(encoded, EncodedPatches)
    assert patch_grid_shape(bundle.model) == (8, 8)
    assert encoded.grid == (8, 8)
    assert encoded.patches.shape == (6, 64, 128)
    assert encoded.patches.dtype == np.float32
    assert encoded.failed == [] and encoded.ok.all()
    np.testing.assert_allclose(np.linalg.norm(encoded.patches, axis=-1), 1.0, atol=1e-5)
    # The pooled row is exactly the image embedding the rest of the pipeline uses.
    np.testing.assert_allclose(
        encoded.pooled, encode_images(bundle, image_files).embeddings, atol=1e-5
    )
    # Patches of one image differ from each other.
    first = encoded.patches[0]
    assert (first @ first.T)[~np.eye(64, dtype=bool)].min() < 0.999


def test_patch_tokens_are_open_clips_own_tokens_projected(bundle):
    images = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    patches, pooled = image_patch_tokens(bundle.model, images)

    tower = copy.deepcopy(bundle.model.visual)
    tower.output_tokens = True  # open_clip then also returns ln_post(tokens), before proj
    with torch.no_grad():
        reference_pooled, tokens = tower(images)
    torch.testing.assert_close(patches, tokens @ tower.proj)
    torch.testing.assert_close(pooled, reference_pooled)
    assert patches.shape == (2, 64, 128)


@pytest.mark.parametrize(("row", "column"), [(0, 0), (2, 5), (7, 7), (4, 1)])
def test_grid_is_row_major(bundle, row, column):
    images = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    base, _ = image_patch_tokens(bundle.model, images)
    changed = images.clone()
    changed[:, :, row * 8 : (row + 1) * 8, column * 8 : (column + 1) * 8] += 3.0
    patches, _ = image_patch_tokens(bundle.model, changed)

    change = (patches - base).norm(dim=-1)[0]
    assert int(change.argmax()) == row * 8 + column  # the token of the changed pixels moves most


def test_without_normalisation_norms_vary_and_normalising_gives_the_default(bundle, image_files):
    raw = encode_image_patches(bundle, image_files[:2], normalize=False).patches
    unit = encode_image_patches(bundle, image_files[:2]).patches

    norms = np.linalg.norm(raw, axis=-1)
    assert norms.std() > 0.01
    np.testing.assert_allclose(raw / norms[..., None], unit, atol=1e-5)


def test_deterministic_and_batch_size_independent(bundle, image_files):
    reference = encode_image_patches(bundle, image_files).patches

    np.testing.assert_array_equal(encode_image_patches(bundle, image_files).patches, reference)
    single = encode_image_patches(bundle, image_files, batch_size=1, num_workers=1).patches
    np.testing.assert_allclose(single, reference, atol=1e-5)


def test_broken_images_become_nan_rows_and_progress_counts_every_batch(
    bundle, image_files, tmp_path
):
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8 not a jpeg")
    uris = [image_files[0], str(garbage), str(tmp_path / "absent.jpg"), image_files[1]]
    calls: list[tuple[int, int]] = []

    encoded = encode_image_patches(
        bundle, uris, batch_size=2, progress=lambda done, total: calls.append((done, total))
    )

    assert encoded.failed == [(1, "media_undecodable"), (2, "media_missing")]
    assert encoded.ok.tolist() == [True, False, False, True]
    assert np.isnan(encoded.patches[[1, 2]]).all() and np.isnan(encoded.pooled[[1, 2]]).all()
    good = encode_image_patches(bundle, [image_files[0], image_files[1]]).patches
    np.testing.assert_allclose(encoded.patches[[0, 3]], good, atol=1e-5)
    assert calls == [(2, 4), (4, 4)]


def test_empty_input_and_non_vit_towers(bundle):
    empty = encode_image_patches(bundle, [])
    assert empty.patches.shape == (0, 64, 128) and empty.pooled.shape == (0, 128)
    with pytest.raises(ValueError, match="VisionTransformer"):
        patch_grid_shape(torch.nn.Linear(2, 2))
