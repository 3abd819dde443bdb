"""Procedural tweet images (Pillow, JPEG).

What each level of the truth controls:

- category: background palette (two tones of one hue) and texture (stripes, checks, dots,
  rings, waves, ...), shifted by a random offset per image;
- subcategory: the object's shape family (ellipse, star, cross, ring, ...), randomly rotated
  and stretched;
- concept: the object's colour (hues of a subcategory's concepts are spread apart) and the
  pattern filling it; the content vector's noise nudges the hue;
- image quality q = σ(image_quality): object size and centring, contrast against the
  background, blur and pixel noise;
- clutter: 0..max_distractors small shapes of random family and colour anywhere in the frame.

Nothing encodes a label in a fixed pixel: position, rotation, scale, texture offsets,
clutter and noise all vary per image.
"""

from __future__ import annotations

import colorsys
import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pop_pipeline.world.config import ImageConfig
from pop_pipeline.world.engagement import TweetLatent
from pop_pipeline.world.taxonomy import Taxonomy

N_TEXTURES = 8
N_PATTERNS = 4


def _regular(n: int, inner: float | None = None, phase: float = 0.0) -> np.ndarray:
    """Unit polygon with n corners (a star when ``inner`` is given)."""
    points = []
    steps = 2 * n if inner else n
    for i in range(steps):
        radius = inner if inner and i % 2 else 1.0
        angle = phase + 2 * math.pi * i / steps
        points.append((radius * math.cos(angle), radius * math.sin(angle)))
    return np.array(points)


_CROSS = np.array(
    [(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1), (-0.3, 1),
     (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)]
)  # fmt: skip
_ARROW = np.array(
    [(-1, -0.35), (0.2, -0.35), (0.2, -0.8), (1, 0), (0.2, 0.8), (0.2, 0.35), (-1, 0.35)]
)

# Shape families: list of (unit polygon, mask value) layers, drawn in order.
SHAPE_FAMILIES: tuple[tuple[tuple[np.ndarray, int], ...], ...] = (
    ((_regular(28), 255),),  # ellipse
    ((_regular(3, phase=-math.pi / 2), 255),),  # triangle
    ((_regular(4, phase=math.pi / 4), 255),),  # square
    ((_regular(5, phase=-math.pi / 2), 255),),  # pentagon
    ((_regular(5, inner=0.42, phase=-math.pi / 2), 255),),  # five-point star
    ((_CROSS, 255),),  # cross
    ((_regular(4) * np.array([0.55, 1.0]), 255),),  # diamond
    ((_regular(6), 255),),  # hexagon
    ((_regular(28), 255), (_regular(28) * 0.55, 0)),  # ring
    ((_regular(28), 255), (_regular(28) * 0.85 + np.array([0.45, -0.1]), 0)),  # crescent
    ((_regular(8, inner=0.6), 255),),  # eight-point sun
    ((_ARROW, 255),),  # arrow
)


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return int(r * 255), int(g * 255), int(b * 255)


class ImageRenderer:
    """Renders the JPEG of a tweet from its latent truth."""

    def __init__(self, taxonomy: Taxonomy, config: ImageConfig, colour_axis: np.ndarray) -> None:
        """``colour_axis`` is a unit vector: the content noise along it shifts the hue."""
        self._taxonomy = taxonomy
        self._config = config
        self._size = config.size
        self._colour_axis = colour_axis
        self._noise_unit = float(np.sqrt(colour_axis.size))
        n_categories = len(taxonomy.category_names)
        self._backgrounds = [self._background_tile(c, n_categories) for c in range(n_categories)]
        self._background_means = [tile.reshape(-1, 3).mean(axis=0) for tile in self._backgrounds]
        self._pattern_tiles = [self._pattern_tile(k) for k in range(taxonomy.n_concepts)]
        self._concept_hues = self._hues()
        grain = np.random.default_rng(0).standard_normal((2 * self._size, 2 * self._size, 3))
        self._grain = grain.astype(np.float32)

    # -- fixed per-world material ---------------------------------------------------------
    def _hues(self) -> np.ndarray:
        """Concept hues: a subcategory's concepts are spread around the colour wheel."""
        sub_of = self._taxonomy.concept_subcategory
        hues = np.zeros(self._taxonomy.n_concepts)
        for sub in range(len(self._taxonomy.subcategory_names)):
            members = np.flatnonzero(sub_of == sub)
            offset = (sub * 0.618034) % 1.0
            hues[members] = offset + np.arange(members.size) / max(members.size, 1)
        return hues % 1.0

    def _coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        axis = np.arange(2 * self._size, dtype=np.float32) / self._size
        return np.meshgrid(axis, axis)

    def _background_tile(self, category: int, n_categories: int) -> np.ndarray:
        """2S×2S RGB texture of a category (two tones of the category hue)."""
        x, y = self._coordinates()
        kind = category % N_TEXTURES
        freq = 3.0 + (category // N_TEXTURES) % 3 * 1.5
        two_pi = 2 * math.pi
        if kind == 0:
            field = np.sin(two_pi * freq * y)  # horizontal stripes
        elif kind == 1:
            field = np.sin(two_pi * freq * (x + y) / 1.4)  # diagonal stripes
        elif kind == 2:
            field = np.sign(np.sin(two_pi * freq * x) * np.sin(two_pi * freq * y))  # checks
        elif kind == 3:
            field = np.sin(two_pi * freq * x) * np.sin(two_pi * freq * y) * 2 - 0.6  # dots
        elif kind == 4:
            field = np.sin(two_pi * freq * np.hypot(x - 1, y - 1))  # rings
        elif kind == 5:
            field = np.sin(two_pi * freq * y + 1.5 * np.sin(two_pi * 1.5 * x))  # waves
        elif kind == 6:
            field = np.maximum(np.cos(two_pi * freq * x), np.cos(two_pi * freq * y)) * 2 - 1  # grid
        else:
            field = np.sin(two_pi * 1.0 * x) * np.cos(two_pi * 1.0 * y)  # soft blobs
        mix = np.clip(0.5 + 0.5 * field, 0, 1)[..., None]
        hue = (category / n_categories + 0.07) % 1.0
        dark = np.array(_rgb(hue, 0.35, 0.32), dtype=np.float32)
        light = np.array(_rgb(hue + 0.04, 0.22, 0.78), dtype=np.float32)
        return (dark * (1 - mix) + light * mix).astype(np.uint8)

    def _pattern_tile(self, concept: int) -> np.ndarray:
        """2S×2S×1 float32 mix of the pattern filling the object (1: main colour)."""
        x, y = self._coordinates()
        local = concept % N_PATTERNS
        freq = 5.0 + (concept // N_PATTERNS) % 4
        two_pi = 2 * math.pi
        if local == 0:
            field = np.ones_like(x)  # solid
        elif local == 1:
            field = np.sin(two_pi * freq * (x - y) / 1.4)  # stripes
        elif local == 2:
            field = np.sin(two_pi * freq * x) * np.sin(two_pi * freq * y) * 2 + 0.6  # dots
        else:
            field = np.sign(np.sin(two_pi * freq / 2 * x) * np.sin(two_pi * freq / 2 * y))  # checks
        return np.clip(0.5 + 0.5 * field, 0, 1).astype(np.float32)[..., None]

    # -- per image --------------------------------------------------------------------------
    def render(self, tweet: TweetLatent, rng: np.random.Generator) -> bytes:
        """JPEG bytes of the tweet's image."""
        size, config = self._size, self._config
        quality = 1.0 / (1.0 + math.exp(-tweet.image_quality))
        category = int(self._taxonomy.concept_category[tweet.concept])
        subcategory = int(self._taxonomy.concept_subcategory[tweet.concept])
        ox, oy = rng.integers(0, size, size=2)
        background = self._backgrounds[category][oy : oy + size, ox : ox + size]
        image = Image.fromarray(np.ascontiguousarray(background), mode="RGB")
        backdrop_mean = self._background_means[category]
        draw = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(0, config.max_distractors + 1))):
            family = SHAPE_FAMILIES[int(rng.integers(0, len(SHAPE_FAMILIES)))]
            colour = _rgb(rng.random(), 0.5, 0.55 + 0.3 * rng.random())
            centre = rng.uniform(0.1, 0.9, size=2) * size
            radius = size * rng.uniform(0.05, 0.11)
            points = self._place(family[0][0], centre, radius, rng.uniform(0, 2 * math.pi), 1.0)
            draw.polygon(points, fill=colour)
        self._draw_object(image, tweet, subcategory, quality, backdrop_mean, rng)
        # Each cue of quality is jittered on its own, so no single statistic gives it away.
        blur = config.max_blur * (1 - quality) ** 1.5 * size / 128 * rng.uniform(0.4, 1.6)
        if blur > 0.25:
            image = image.filter(ImageFilter.BoxBlur(blur))
        noise = config.max_noise * (1 - quality) * rng.uniform(0.4, 1.6)
        if noise > 1.0:
            gx, gy = rng.integers(0, size, size=2)
            pixels = np.asarray(image, dtype=np.float32)
            pixels = pixels + noise * self._grain[gy : gy + size, gx : gx + size]
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=config.jpeg_quality, subsampling=2)
        return buffer.getvalue()

    def _draw_object(
        self,
        image: Image.Image,
        tweet: TweetLatent,
        subcategory: int,
        quality: float,
        backdrop_mean: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Paste the patterned, coloured object of the tweet's concept."""
        size = self._size
        per_category = len(self._taxonomy.subcategory_names) // len(self._taxonomy.category_names)
        local_sub = subcategory % per_category
        category = int(self._taxonomy.subcategory_category[subcategory])
        family = SHAPE_FAMILIES[(category + 3 * local_sub) % len(SHAPE_FAMILIES)]
        radius = size * (0.17 + 0.17 * quality) * rng.uniform(0.85, 1.15)
        spread = (0.05 + 0.3 * (1 - quality)) * size
        centre = size / 2 + rng.normal(0, spread, size=2)
        centre = np.clip(centre, radius * 0.6, size - radius * 0.6)
        angle = rng.uniform(0, 2 * math.pi)
        stretch = rng.uniform(0.8, 1.25)
        mask = Image.new("L", (size, size), 0)
        mask_draw = ImageDraw.Draw(mask)
        for polygon, value in family:
            mask_draw.polygon(self._place(polygon, centre, radius, angle, stretch), fill=value)
        shift = self._hue_shift(tweet)
        hue = self._concept_hues[tweet.concept] + shift
        contrast = min(1.0, (0.35 + 0.65 * quality) * rng.uniform(0.8, 1.2))
        main = np.array(_rgb(hue, 0.85, 0.95)) * contrast + backdrop_mean * (1 - contrast)
        shade = np.array(_rgb(hue, 0.9, 0.45)) * contrast + backdrop_mean * (1 - contrast)
        px, py = rng.integers(0, size, size=2)
        pattern = self._pattern_tiles[tweet.concept][py : py + size, px : px + size]
        pixels = shade.astype(np.float32) + (main - shade).astype(np.float32) * pattern
        coloured = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
        image.paste(coloured, (0, 0), mask)

    def _hue_shift(self, tweet: TweetLatent) -> float:
        """Hue offset (fraction of the wheel) from the content vector's noise."""
        noise = tweet.content - self._taxonomy.concept_vectors[tweet.concept]
        along = float(noise @ self._colour_axis) * self._noise_unit
        return self._config.content_colour_shift / 360.0 * math.tanh(along)

    @staticmethod
    def _place(
        polygon: np.ndarray, centre: np.ndarray, radius: float, angle: float, stretch: float
    ) -> list[tuple[float, float]]:
        """Scale, stretch, rotate and move a unit polygon into pixel coordinates."""
        scaled = polygon * np.array([radius * stretch, radius / stretch])
        cos, sin = math.cos(angle), math.sin(angle)
        rotated = scaled @ np.array([[cos, sin], [-sin, cos]])
        moved = rotated + centre
        return [(float(x), float(y)) for x, y in moved]
