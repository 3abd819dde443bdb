"""Every image mode comes out as upright 8-bit RGB with hand-computed pixel values."""

import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from pop_pipeline.io.images import ImageDecodeError, decode_rgb, load_rgb_image, to_rgb8


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    assert image.mode == "RGB"
    return [image.getpixel((x, 0)) for x in range(image.width)]


def _gray(*values: int) -> list[tuple[int, int, int]]:
    return [(v, v, v) for v in values]


def _png_16bit_rgb(pixels: list[tuple[int, int, int]]) -> bytes:
    """A one-row 16-bit-per-channel RGB PNG, written by hand (Pillow cannot write one)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", len(pixels), 1, 16, 2, 0, 0, 0)
    row = b"\x00" + b"".join(struct.pack(">HHH", *p) for p in pixels)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row))
        + chunk(b"IEND", b"")
    )


def test_16bit_grayscale_png_is_scaled_by_its_bit_depth_not_clipped_to_white():
    image = Image.fromarray(np.array([[0, 1000, 32768, 65535]], dtype=np.uint16))
    assert image.mode == "I;16"
    decoded = decode_rgb(_encoded(image, "PNG"))
    # round(v * 255 / 65535): 0, 3.89 -> 4, 127.502 -> 128, 255
    assert _pixels(decoded) == _gray(0, 4, 128, 255)


def test_16bit_rgb_png_keeps_its_colours():
    data = _png_16bit_rgb([(0x8000, 0x0000, 0xFFFF), (0x1000, 0x2000, 0x3000)])
    # 16 to 8 bits: the high byte (0x80 = 128, 0x10 = 16, ...)
    assert _pixels(decode_rgb(data)) == [(128, 0, 255), (16, 32, 48)]


@pytest.mark.parametrize("mode", ["I;16B", "I;16L"])
def test_16bit_byte_orders(mode):
    fmt = ">u2" if mode == "I;16B" else "<u2"
    image = Image.frombytes(mode, (3, 1), np.array([0, 256, 65535], dtype=fmt).tobytes())
    # 256 * 255 / 65535 = 0.996 -> 1
    assert _pixels(to_rgb8(image)) == _gray(0, 1, 255)


def test_32bit_integer_mode_is_read_as_16_bits_when_it_fits_else_stretched():
    fits = Image.fromarray(np.array([[0, 300, 65535]], dtype=np.int32))
    assert fits.mode == "I"
    assert _pixels(to_rgb8(fits)) == _gray(0, 1, 255)  # 300 * 255 / 65535 = 1.17
    beyond = Image.fromarray(np.array([[-10, 15, 90]], dtype=np.int32))
    assert _pixels(to_rgb8(beyond)) == _gray(0, 64, 255)  # (15 + 10) / 100 * 255 = 63.75


def test_16bit_pgm_opens_as_mode_i_and_is_scaled():
    data = b"P5\n3 1\n65535\n" + np.array([0, 32767, 65535], dtype=">u2").tobytes()
    image = Image.open(io.BytesIO(data))
    assert image.mode == "I"
    assert _pixels(decode_rgb(data)) == _gray(0, 127, 255)  # 32767 * 255 / 65535 = 127.498


def test_float_mode_unit_range_and_any_other_range():
    unit = Image.fromarray(np.array([[0.0, 0.25, 1.0]], dtype=np.float32))
    assert unit.mode == "F"
    assert _pixels(decode_rgb(_encoded(unit, "TIFF"))) == _gray(0, 64, 255)  # 63.75
    wide = Image.fromarray(np.array([[-1.0, 0.0, 3.0, np.nan]], dtype=np.float32))
    assert _pixels(to_rgb8(wide)) == _gray(0, 64, 255, 64)  # (v + 1) / 4 * 255; NaN is 0


def test_bilevel_and_grayscale():
    bilevel = Image.new("1", (2, 1), 0)
    bilevel.putpixel((1, 0), 1)
    assert _pixels(decode_rgb(_encoded(bilevel, "PNG"))) == _gray(0, 255)
    assert _pixels(decode_rgb(_encoded(Image.new("L", (1, 1), 77), "PNG"))) == _gray(77)


def test_transparency_is_composited_on_white():
    rgba = Image.new("RGBA", (2, 1), (10, 20, 30, 255))
    rgba.putpixel((1, 0), (10, 20, 30, 0))
    assert _pixels(decode_rgb(_encoded(rgba, "PNG"))) == [(10, 20, 30), (255, 255, 255)]
    gray_alpha = Image.new("LA", (3, 1), (100, 255))
    gray_alpha.putpixel((1, 0), (100, 0))
    gray_alpha.putpixel((2, 0), (100, 128))
    # 100 * 128/255 + 255 * 127/255 = 177.2
    assert _pixels(decode_rgb(_encoded(gray_alpha, "PNG"))) == _gray(100, 255, 177)


def test_palette_with_and_without_transparency():
    palette = Image.new("P", (2, 1), 0)
    palette.putpalette([10, 20, 30, 40, 50, 60])
    palette.putpixel((1, 0), 1)
    assert _pixels(decode_rgb(_encoded(palette, "PNG"))) == [(10, 20, 30), (40, 50, 60)]
    transparent = decode_rgb(_encoded(palette, "PNG", transparency=1))
    assert _pixels(transparent) == [(10, 20, 30), (255, 255, 255)]
    palette_alpha = palette.convert("PA")
    palette_alpha.putpixel((0, 0), (0, 0))
    assert palette_alpha.mode == "PA"
    assert _pixels(to_rgb8(palette_alpha)) == [(255, 255, 255), (40, 50, 60)]


def test_cmyk_ycbcr_and_lab():
    cmyk = decode_rgb(_encoded(Image.new("CMYK", (1, 1), (10, 20, 30, 40)), "JPEG", quality=100))
    # (255 - c) * (255 - k) / 255: 245 * 215 / 255 = 206.6, 235 * 215 / 255 = 198.1, 189.7
    assert _pixels(cmyk) == [(207, 198, 190)]
    assert _pixels(to_rgb8(Image.new("YCbCr", (1, 1), (100, 128, 128)))) == _gray(100)
    # L* = 137 / 255 * 100 = 53.7, a* = b* = 0: Y = ((53.7 + 16) / 116) ** 3 = 0.2172, sRGB 128
    assert _pixels(to_rgb8(Image.new("LAB", (1, 1), (137, 128, 128)))) == _gray(128)


def test_exif_orientation_is_applied():
    stored = Image.new("RGB", (4, 2), (255, 0, 0))
    stored.paste((0, 0, 255), (2, 0, 4, 2))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed rotated 90 degrees clockwise: the left half on top
    image = decode_rgb(_encoded(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert image.size == (2, 4)
    top, bottom = image.getpixel((0, 0)), image.getpixel((1, 3))
    assert top[0] > 240 and top[2] < 15
    assert bottom[2] > 240 and bottom[0] < 15


def test_broken_and_empty_files_are_decode_errors():
    with pytest.raises(ImageDecodeError) as empty:
        decode_rgb(b"")
    assert empty.value.reason == "media_empty"
    with pytest.raises(ImageDecodeError) as broken:
        decode_rgb(b"\xff\xd8\xff\xe0 not a jpeg at all")
    assert broken.value.reason == "media_undecodable"


def test_load_rgb_image_refuses_fifos_and_files_over_the_cap(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageDecodeError) as not_regular:
        load_rgb_image(str(fifo))
    assert not_regular.value.reason == "media_not_regular_file"
    big = tmp_path / "big.png"
    big.write_bytes(_encoded(Image.new("L", (64, 64), 1), "PNG") + b"\0" * 2_000)
    with pytest.raises(ImageDecodeError) as too_large:
        load_rgb_image(str(big), max_bytes=1_000)
    assert too_large.value.reason == "media_too_large"
    assert load_rgb_image(str(big)).size == (64, 64)
