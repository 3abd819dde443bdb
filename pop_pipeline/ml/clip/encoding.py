"""Batch encoding of images and texts into L2-normalised CLIP embeddings.

Images are read and decoded by a thread pool (Pillow and torchvision's tensor ops release the
GIL), one batch ahead of the model, so no worker processes are forked inside the caller's
process. On CUDA the model runs under autocast; embeddings always come back as float32.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import open_clip
import torch
from botocore.exceptions import ClientError

from pop_pipeline.io.images import ImageDecodeError, load_rgb_image
from pop_pipeline.ml.clip.factory import ClipBundle

Progress = Callable[[int, int], None]


@dataclass
class EncodedImages:
    """Image embeddings, with the rows that could not be read left as NaN."""

    embeddings: np.ndarray  # float32 [N, embed_dim], unit rows; NaN rows for failed images
    failed: list[tuple[int, str]]  # (row index, quarantine reason) of images that failed

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask [N] of the rows that hold an embedding."""
        mask = np.ones(len(self.embeddings), dtype=bool)
        mask[[index for index, _ in self.failed]] = False
        return mask


def default_decode_workers() -> int:
    """Decode threads: one per core, at least 2, at most 16."""
    return max(2, min(16, os.cpu_count() or 1))


def autocast_for(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 (or fp16) autocast on CUDA, nothing elsewhere."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype)


def load_image_tensor(uri: str, transform: Callable) -> torch.Tensor:
    """Read, decode and transform one image; missing or broken images raise ImageDecodeError."""
    try:
        image = load_rgb_image(uri)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            raise ImageDecodeError("media_missing", f"{uri}: {error}") from error
        raise
    return transform(image)


def _decode_batch(
    pool: ThreadPoolExecutor, uris: Sequence[str], transform: Callable
) -> list[Future[torch.Tensor]]:
    return [pool.submit(load_image_tensor, uri, transform) for uri in uris]


def _batches(total: int, batch_size: int) -> Iterator[slice]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    for start in range(0, total, batch_size):
        yield slice(start, min(start + batch_size, total))


def encode_images(
    bundle: ClipBundle,
    image_uris: Sequence[str],
    *,
    batch_size: int = 256,
    num_workers: int | None = None,
    progress: Progress | None = None,
) -> EncodedImages:
    """Embed images (local paths or ``s3://`` URIs) with the bundle's image tower.

    Args:
        bundle: The CLIP to encode with (its eval ``preprocess`` is applied).
        image_uris: One image per row of the result.
        batch_size: Images per forward pass; results do not depend on it.
        num_workers: Decode threads; ``None``: one per core (2 to 16).
        progress: Called as ``progress(done, total)`` after each batch.

    Returns:
        :class:`EncodedImages`: float32 unit rows; images that are missing or cannot be decoded
        get a NaN row and an entry ``(index, reason)`` in ``failed`` instead of an exception.
    """
    image_uris = [str(uri) for uri in image_uris]
    total = len(image_uris)
    embeddings = np.full((total, _embed_dim(bundle)), np.nan, dtype=np.float32)
    failed: list[tuple[int, str]] = []
    batches = list(_batches(total, batch_size))
    workers = num_workers or default_decode_workers()
    model = bundle.model.eval()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clip-decode") as pool:
        pending = _decode_batch(pool, image_uris[batches[0]], bundle.preprocess) if batches else []
        for number, rows in enumerate(batches):
            futures = pending
            if number + 1 < len(batches):  # decode the next batch while this one runs
                pending = _decode_batch(pool, image_uris[batches[number + 1]], bundle.preprocess)
            tensors, kept = [], []
            for offset, future in enumerate(futures):
                try:
                    tensors.append(future.result())
                    kept.append(rows.start + offset)
                except ImageDecodeError as error:
                    failed.append((rows.start + offset, error.reason))
            if tensors:
                images = torch.stack(tensors).to(bundle.device, non_blocking=True)
                with torch.inference_mode(), autocast_for(bundle.device):
                    features = model.encode_image(images)
                embeddings[kept] = _normalised(features)
            if progress is not None:
                progress(rows.stop, total)
    return EncodedImages(embeddings=embeddings, failed=failed)


def encode_texts(
    bundle: ClipBundle,
    texts: Sequence[str],
    *,
    batch_size: int = 512,
    progress: Progress | None = None,
) -> np.ndarray:
    """Embed texts with the bundle's text tower (truncated to its context length).

    Args:
        bundle: The CLIP to encode with (its tokenizer is applied).
        texts: One text per row of the result.
        batch_size: Texts per forward pass; results do not depend on it.
        progress: Called as ``progress(done, total)`` after each batch.

    Returns:
        float32 array [len(texts), embed_dim] with unit rows.
    """
    texts = [str(text) for text in texts]
    total = len(texts)
    embeddings = np.empty((total, _embed_dim(bundle)), dtype=np.float32)
    model = bundle.model.eval()
    for rows in _batches(total, batch_size):
        tokens = bundle.tokenizer(texts[rows]).to(bundle.device)
        with torch.inference_mode(), autocast_for(bundle.device):
            features = model.encode_text(tokens)
        embeddings[rows] = _normalised(features)
        if progress is not None:
            progress(rows.stop, total)
    return embeddings


def _normalised(features: torch.Tensor) -> np.ndarray:
    features = torch.nn.functional.normalize(features.float(), dim=-1)
    return features.cpu().numpy()


def _embed_dim(bundle: ClipBundle) -> int:
    return int(open_clip.get_model_config(bundle.architecture)["embed_dim"])
