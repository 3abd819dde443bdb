"""Hybrid CNN's raw-pixel input (paper 001 §3.2): each photo resized to 64×64, in [0, 1]."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from PIL import Image

from pop_pipeline.io.images import ImageDecodeError
from pop_pipeline.ml.clip.encoding import load_image_tensor


def load_pixels(
    frame: pd.DataFrame, rows: np.ndarray, size: int
) -> tuple[np.ndarray, list[tuple[int, ImageDecodeError]]]:
    """Pixels of ``rows`` (``[len(rows), 3, size, size]``, zeros where an image failed) and
    the ``(row, error)`` of the images that could not be read."""
    pixels = np.zeros((len(rows), 3, size, size), dtype=np.float32)
    failures: list[tuple[int, ImageDecodeError]] = []
    for position, row in enumerate(rows):
        try:
            pixels[position] = image_pixels(str(frame["media_uri"].iloc[row]), size)
        except ImageDecodeError as error:
            failures.append((int(row), error))
    return pixels, failures


def image_pixels(uri: str, size: int = 64) -> np.ndarray:
    """float32 ``[3, size, size]`` in [0, 1]: the image resized (bilinear, aspect ignored, as
    paper 001 resizes to 64×64). Raises ``ImageDecodeError`` with a reason code."""
    return load_image_tensor(uri, lambda image: _resized(image, size)).numpy()


def _resized(image: object, size: int) -> torch.Tensor:
    assert isinstance(image, Image.Image)
    resized = image.resize((size, size), Image.Resampling.BILINEAR)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
