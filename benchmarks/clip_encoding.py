"""Throughput of the in-domain CLIP on this machine: training, image and caption encoding.

Renders synthetic 128 px JPEG image tweets (a coloured shape among distractors, on a textured
background) with captions naming them, then times one short contrastive training run and the
encoders. The device is picked as in production (``$POP_DEVICE``, else CUDA, else CPU).

    python benchmarks/clip_encoding.py [--pairs 1024] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from PIL import Image, ImageDraw, ImageFilter

from pop_pipeline.ml.clip import (
    IN_DOMAIN_MODEL,
    ContrastiveTrainingConfig,
    create_clip,
    encode_images,
    encode_texts,
    train_contrastive,
)

COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 70, 220),
    "yellow": (235, 210, 40),
    "purple": (140, 50, 170),
    "orange": (245, 140, 30),
}
SHAPES = ("circle", "square", "triangle", "cross")
FILLER = ("look at this", "so good", "today", "wow", "new post", "check it out", "lol")


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], fill) -> None:
    x0, y0, x1, y1 = box
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    elif shape == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=fill)
    else:
        w, h = (x1 - x0) // 3, (y1 - y0) // 3
        draw.rectangle((x0 + w, y0, x1 - w, y1), fill=fill)
        draw.rectangle((x0, y0 + h, x1, y1 - h), fill=fill)


def render_pair(rng: random.Random, size: int = 128) -> tuple[Image.Image, str]:
    """One image tweet: a main shape of a named colour, grey distractors, noise and blur."""
    colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
    background = tuple(rng.randint(170, 250) for _ in range(3))
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 3)):  # distractors
        s = rng.randint(8, 20)
        x, y = rng.randint(0, size - s), rng.randint(0, size - s)
        grey = rng.randint(60, 140)
        draw_shape(draw, rng.choice(SHAPES), (x, y, x + s, y + s), (grey, grey, grey))
    s = rng.randint(size // 3, size // 2)
    x, y = rng.randint(0, size - s), rng.randint(0, size - s)
    jitter = [min(255, max(0, c + rng.randint(-25, 25))) for c in COLOURS[colour]]
    draw_shape(draw, shape, (x, y, x + s, y + s), tuple(jitter))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    caption = f"{rng.choice(FILLER)} a {colour} {shape} #{shape} #{colour}"
    return image, caption


def write_pairs(folder: Path, count: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    uris, captions = [], []
    for index in range(count):
        image, caption = render_pair(rng)
        path = folder / f"{index:06d}.jpg"
        image.save(path, quality=90)
        uris.append(str(path))
        captions.append(caption)
    return uris, captions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1024, help="synthetic image–caption pairs")
    parser.add_argument("--train-epochs", type=int, default=1, help="epochs of the timed training")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    bundle = create_clip(IN_DOMAIN_MODEL, device=args.device)
    print(f"device {bundle.device}, torch threads {torch.get_num_threads()}, pairs {args.pairs}")
    # Other processes on the machine skew every figure: report the load next to them.
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as scratch:
        uris, captions = write_pairs(Path(scratch), args.pairs)
        config = ContrastiveTrainingConfig(epochs=args.train_epochs)
        history = train_contrastive(bundle, uris, captions, config)
        train_rate = sum(h["pairs_per_second"] for h in history) / len(history)
        print(f"training (batch {config.batch_size}): {train_rate:8.1f} pairs/s")

        encode_images(bundle, uris[:64])  # warm-up
        started = time.perf_counter()
        encoded = encode_images(bundle, uris)
        image_rate = len(uris) / (time.perf_counter() - started)
        assert not encoded.failed
        print(f"image encoding:           {image_rate:8.1f} images/s")

        started = time.perf_counter()
        encode_texts(bundle, captions)
        text_rate = len(captions) / (time.perf_counter() - started)
        print(f"caption encoding:         {text_rate:8.1f} captions/s")
        pair_rate = 1.0 / (1.0 / image_rate + 1.0 / text_rate)
        print(f"pair encoding:            {pair_rate:8.1f} pairs/s")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
