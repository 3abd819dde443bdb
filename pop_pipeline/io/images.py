"""Decode images safely: Pillow with the decompression-bomb limit on, always 8-bit RGB.

Every image is turned upright (its EXIF orientation applied) and converted to 8-bit RGB by
:func:`to_rgb8`:

- 16-bit grayscale (``I;16``, ``I;16B``, ``I;16L``, and ``I`` from a 16-bit PNG or PGM) is
  scaled by its true bit depth, ``round(v * 255 / 65535)``, so a 16-bit PNG is not clipped to
  white; ``I`` uses the TIFF ``BitsPerSample`` where the file declares one, else 16 bits when
  the values fit, else a min-max stretch.
- float ``F``: values within [0, 1] are scaled by 255, any other range is min-max stretched
  (NaN becomes 0).
- transparency (``RGBA``, ``LA``, ``PA``, ``P`` with a transparent colour, premultiplied
  ``RGBa``) is composited on white, as a viewer shows a transparent photo on a page.
- every other mode (``1``, ``L``, ``P``, ``CMYK``, ``YCbCr``, ``LAB``, ``HSV``) uses Pillow's own
  conversion.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps

from pop_pipeline.io.bounded_read import ReadRefused
from pop_pipeline.io.uris import read_uri_bytes

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; we treat both as bombs.
MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
# The most bytes one image file may have (also the ingestion's default media limit).
MAX_IMAGE_BYTES = 50 * 1024 * 1024

WHITE = (255, 255, 255)
INTEGER_GRAY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa")


class ImageDecodeError(ValueError):
    """An image that cannot be used; ``reason`` is a quarantine reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode_rgb(data: bytes) -> Image.Image:
    """Decode ``data`` fully into an upright 8-bit RGB image, or raise :class:`ImageDecodeError`.

    Reason codes: ``media_empty``, ``media_decompression_bomb``, ``media_undecodable``.
    """
    if not data:
        raise ImageDecodeError("media_empty", "image file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return to_rgb8(_upright(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageDecodeError("media_decompression_bomb", str(error)) from error
    except Image.UnidentifiedImageError as error:
        raise ImageDecodeError("media_undecodable", "not a recognised image format") from error
    except Exception as error:  # a hostile file may trip any error inside a decoder
        raise ImageDecodeError("media_undecodable", f"{type(error).__name__}: {error}") from error


def _upright(image: Image.Image) -> Image.Image:
    """The image with its EXIF orientation applied; unchanged when the EXIF is unreadable."""
    try:
        return ImageOps.exif_transpose(image)
    except (SyntaxError, ValueError, TypeError, KeyError, OSError, struct.error):
        return image


def to_rgb8(image: Image.Image) -> Image.Image:
    """``image`` as 8-bit RGB, by the rules in the module docstring."""
    mode = image.mode
    if mode in INTEGER_GRAY_MODES or mode == "F":
        return _gray_to_rgb8(image)
    if mode == "P" and "transparency" in image.info:
        return _on_white(image.convert("RGBA"))
    if mode in ALPHA_MODES:
        return _on_white(image.convert("RGBA"))
    return image.convert("RGB")


def _on_white(rgba: Image.Image) -> Image.Image:
    background = Image.new("RGBA", rgba.size, (*WHITE, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _gray_to_rgb8(image: Image.Image) -> Image.Image:
    values = np.asarray(image).astype(np.float64)
    if image.mode == "F":
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        low, high = (0.0, 1.0) if _within(values, 0.0, 1.0) else _range(values)
    else:
        low, high = 0.0, float(2 ** _bit_depth(image, values) - 1)
        if high <= 0:
            low, high = _range(values)
    scaled = np.clip(np.rint((values - low) * 255.0 / max(high - low, 1e-12)), 0, 255)
    return Image.fromarray(scaled.astype(np.uint8), mode="L").convert("RGB")


def _bit_depth(image: Image.Image, values: np.ndarray) -> int:
    """16 for the ``I;16`` modes; for ``I``, the declared TIFF depth, else 16 when it fits.

    Returns 0 when no depth applies (values beyond 16 bits or negative): min-max stretch.
    """
    if image.mode.startswith("I;16"):
        return 16
    tags = getattr(image, "tag_v2", None)
    declared = tags.get(258) if tags is not None else None
    if isinstance(declared, tuple) and declared:
        declared = declared[0]
    if isinstance(declared, int) and 1 <= declared <= 32:
        return declared
    if _within(values, 0.0, 65535.0):
        return 16
    return 0


def _within(values: np.ndarray, low: float, high: float) -> bool:
    return values.size == 0 or (float(values.min()) >= low and float(values.max()) <= high)


def _range(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return 0.0, 1.0
    return float(values.min()), float(values.max())


def load_rgb_image(uri: str, max_bytes: int = MAX_IMAGE_BYTES) -> Image.Image:
    """Read and decode the image behind ``uri`` (local path or ``s3://``), at most ``max_bytes``."""
    try:
        data = read_uri_bytes(uri, max_bytes)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
        raise ImageDecodeError("media_missing", f"{uri}: {error}") from error
    except ReadRefused as error:
        raise ImageDecodeError(f"media_{error.reason}", str(error)) from error
    return decode_rgb(data)
