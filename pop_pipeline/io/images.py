"""Decode images safely: Pillow with the decompression-bomb limit on, always RGB."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from pop_pipeline.io.uris import read_uri_bytes

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; we treat both as bombs.
MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class ImageDecodeError(ValueError):
    """An image that cannot be used; ``reason`` is a quarantine reason code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode_rgb(data: bytes) -> Image.Image:
    """Decode ``data`` fully into an RGB image, or raise :class:`ImageDecodeError`.

    Reason codes: ``media_empty``, ``media_decompression_bomb``, ``media_undecodable``.
    """
    if not data:
        raise ImageDecodeError("media_empty", "image file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageDecodeError("media_decompression_bomb", str(error)) from error
    except Image.UnidentifiedImageError as error:
        raise ImageDecodeError("media_undecodable", "not a recognised image format") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError("media_undecodable", f"{type(error).__name__}: {error}") from error


def load_rgb_image(uri: str) -> Image.Image:
    """Read and decode the image behind ``uri`` (local path or ``s3://``)."""
    try:
        data = read_uri_bytes(uri)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise ImageDecodeError("media_missing", f"{uri}: {error}") from error
    return decode_rgb(data)
