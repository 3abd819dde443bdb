"""Real JPEG images for the CLIP tests: coloured shapes drawn with Pillow, captions naming them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

COLOURS = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 60, 220),
    "yellow": (240, 210, 30),
}
SHAPES = ("circle", "square", "triangle", "cross")


def draw_shape_image(colour: str, shape: str, *, size: int = 128, offset: int = 0) -> Image.Image:
    """A light background with one coloured shape (``offset`` moves it, for variety)."""
    image = Image.new("RGB", (size, size), (235 - offset, 235, 225 + offset // 2))
    draw = ImageDraw.Draw(image)
    x0, y0 = 24 + offset, 28 + offset // 2
    x1, y1 = x0 + 64, y0 + 64
    fill = COLOURS[colour]
    if shape == "circle":
        draw.ellipse((x0, y0, x1, y1), fill=fill)
    elif shape == "square":
        draw.rectangle((x0, y0, x1, y1), fill=fill)
    elif shape == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=fill)
    else:
        draw.rectangle((x0 + 21, y0, x1 - 21, y1), fill=fill)
        draw.rectangle((x0, y0 + 21, x1, y1 - 21), fill=fill)
    return image


def write_jpeg(image: Image.Image, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="JPEG", quality=92)
    return str(path)


def write_shape_pairs(folder: Path, count: int) -> tuple[list[str], list[str]]:
    """``count`` JPEG files cycling through every colour × shape, with matching captions."""
    combos = [(colour, shape) for colour in COLOURS for shape in SHAPES]
    uris, captions = [], []
    for index in range(count):
        colour, shape = combos[index % len(combos)]
        offset = (index // len(combos)) * 7 % 30
        image = draw_shape_image(colour, shape, offset=offset)
        uris.append(write_jpeg(image, folder / f"{index:04d}.jpg"))
        captions.append(f"a {colour} {shape}")
    return uris, captions
