"""The CLIP image tower's patch grid: AMNL+'s "convolutional feature" of each image.

Paper 000 §II-B and §III-A-2 take the last convolutional layer of Inception-v4 (an 8×8×1536
grid) as ``x_i``, the image feature that keeps the location, next to the global embedding
``f_i`` from the last fully connected layer. With a CLIP vision transformer the equivalent is
the per-patch token outputs of the last block, before pooling: for ``pop-clip-tiny`` (64 px
images in 8 px patches) an 8×8 grid. We apply the tower's final layer norm and its projection
``proj``, exactly as open_clip does to the pooled (class) token, so patch tokens live in the
same space as the image embedding ``encode_images`` returns; ``f_i`` is that pooled embedding,
returned by the same forward pass.

Departures: the tower is frozen (features are computed once, ``torch.no_grad``), whereas the
paper fine-tunes its CNN; with ``normalize`` (the default) every patch token is scaled to unit
length like the pooled embedding, which drops the tokens' relative magnitudes.

Only open_clip ``VisionTransformer`` towers without attentional pooling are supported (the
pipeline's configs and the ViT-* models); others raise ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from open_clip.transformer import VisionTransformer
from torch import nn

from pop_pipeline.io.images import ImageDecodeError
from pop_pipeline.ml.clip.encoding import autocast_for, default_decode_workers, load_image_tensor
from pop_pipeline.ml.clip.factory import ClipBundle

Progress = Callable[[int, int], None]


@dataclass
class EncodedPatches:
    """Patch grids and pooled embeddings of a list of images; failed images are NaN rows."""

    patches: np.ndarray  # float32 [N, grid_h·grid_w, embed_dim], row-major grid (y, then x)
    pooled: np.ndarray  # float32 [N, embed_dim], unit rows: the image embedding f_i
    grid: tuple[int, int]  # (grid_h, grid_w): patches[n].reshape(grid_h, grid_w, embed_dim)
    failed: list[tuple[int, str]]  # (row index, quarantine reason) of images that failed

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask [N] of the rows that hold features."""
        mask = np.ones(len(self.patches), dtype=bool)
        mask[[index for index, _ in self.failed]] = False
        return mask


def vision_transformer(model: nn.Module) -> VisionTransformer:
    """The open_clip ``VisionTransformer`` of a CLIP model (``model.visual``), checked."""
    tower = getattr(model, "visual", model)
    if not isinstance(tower, VisionTransformer):
        raise ValueError(f"patch features need an open_clip VisionTransformer, not {type(tower)}")
    if tower.attn_pool is not None:
        raise ValueError("patch features are undefined for towers with attentional pooling")
    return tower


def patch_grid_shape(model: nn.Module) -> tuple[int, int]:
    """``(grid_h, grid_w)`` of the tower's patch grid, e.g. ``(8, 8)`` for ``pop-clip-tiny``."""
    grid = vision_transformer(model).grid_size
    return int(grid[0]), int(grid[1])


@torch.no_grad()
def image_patch_tokens(model: nn.Module, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Projected patch tokens and pooled embedding of preprocessed images, not normalised.

    Args:
        model: an open_clip CLIP (or its ``visual`` tower), in eval mode.
        images: ``[B, 3, H, W]`` tensor on the model's device, as the tower's preprocess makes.

    Returns:
        ``(patches [B, grid_h·grid_w, embed_dim], pooled [B, embed_dim])``, where ``pooled`` is
        what ``model.encode_image`` returns.
    """
    tower = vision_transformer(model)
    output = tower.forward_intermediates(
        images, indices=1, normalize_intermediates=True, output_fmt="NLC"
    )
    patches = output["image_intermediates"][-1]  # ln_post of the last block's patch tokens
    if tower.proj is not None:
        patches = patches @ tower.proj
    return patches, output["image_features"]


def encode_image_patches(
    bundle: ClipBundle,
    image_uris: Sequence[str],
    *,
    batch_size: int = 256,
    num_workers: int | None = None,
    normalize: bool = True,
    progress: Progress | None = None,
) -> EncodedPatches:
    """Patch grids and pooled embeddings of images (local paths or ``s3://`` URIs).

    Args:
        bundle: the CLIP to encode with (its eval ``preprocess`` is applied).
        image_uris: one image per row of the result.
        batch_size: images per forward pass; results do not depend on it (up to float noise).
        num_workers: decode threads; ``None``: one per core (2 to 16).
        normalize: scale every patch token to unit length (the pooled rows always are).
        progress: called as ``progress(done, total)`` after each batch.

    Returns:
        :class:`EncodedPatches`; images that are missing or cannot be decoded get NaN rows and
        an entry ``(index, reason)`` in ``failed`` instead of an exception.
    """
    uris = [str(uri) for uri in image_uris]
    total = len(uris)
    grid = patch_grid_shape(bundle.model)
    dim = int(vision_transformer(bundle.model).output_dim)
    patches = np.full((total, grid[0] * grid[1], dim), np.nan, dtype=np.float32)
    pooled = np.full((total, dim), np.nan, dtype=np.float32)
    failed: list[tuple[int, str]] = []
    model = bundle.model.eval()
    batches = _decoded_batches(uris, bundle.preprocess, batch_size, num_workers)
    for stop, rows, tensors, errors in batches:
        failed.extend(errors)
        if tensors:
            images = torch.stack(tensors).to(bundle.device, non_blocking=True)
            with autocast_for(bundle.device):
                batch_patches, batch_pooled = image_patch_tokens(model, images)
            batch_patches = batch_patches.float()
            if normalize:
                batch_patches = nn.functional.normalize(batch_patches, dim=-1)
            patches[rows] = batch_patches.cpu().numpy()
            pooled[rows] = nn.functional.normalize(batch_pooled.float(), dim=-1).cpu().numpy()
        if progress is not None:
            progress(stop, total)
    return EncodedPatches(patches=patches, pooled=pooled, grid=grid, failed=failed)


def _decoded_batches(
    uris: list[str], transform: Callable, batch_size: int, num_workers: int | None
) -> Iterator[tuple[int, list[int], list[torch.Tensor], list[tuple[int, str]]]]:
    """``(batch end, rows kept, their image tensors, (row, reason) failures)`` per batch,
    decoding one batch ahead in a thread pool (as ``encoding.encode_images`` does)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    starts = list(range(0, len(uris), batch_size))
    workers = num_workers or default_decode_workers()

    def submit(pool: ThreadPoolExecutor, start: int) -> list[Future[torch.Tensor]]:
        return [
            pool.submit(load_image_tensor, uri, transform)
            for uri in uris[start : start + batch_size]
        ]

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clip-patches") as pool:
        pending = submit(pool, starts[0]) if starts else []
        for number, start in enumerate(starts):
            futures = pending
            if number + 1 < len(starts):
                pending = submit(pool, starts[number + 1])
            rows, tensors, errors = [], [], []
            for offset, future in enumerate(futures):
                try:
                    tensors.append(future.result())
                    rows.append(start + offset)
                except ImageDecodeError as error:
                    errors.append((start + offset, error.reason))
            yield start + len(futures), rows, tensors, errors
