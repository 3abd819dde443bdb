"""Images: decodable JPEGs of the configured size whose pixels carry concept and quality."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

from pop_pipeline_tests.world.conftest import read_jsonl


@pytest.fixture(scope="module")
def images(tiny_world):
    """(pixels, concept id, category id, image quality) of every image tweet."""
    quality = np.load(tiny_world / "oracle/tweets/image_quality.npy")
    base = int(read_jsonl(tiny_world / "tweets.jsonl")[0]["id"])
    rows = []
    for tweet in read_jsonl(tiny_world / "tweets.jsonl"):
        if "attachments" not in tweet:
            continue
        (key,) = tweet["attachments"]["media_keys"]
        with Image.open(tiny_world / "media" / f"{key}.jpg") as image:
            assert image.format == "JPEG"
            assert image.size == (128, 128)
            pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
        annotations = {a["domain"]["id"]: a["entity"]["id"] for a in tweet["context_annotations"]}
        rows.append(
            (pixels, annotations["902"], annotations["900"], quality[int(tweet["id"]) - base])
        )
    return rows


def _histogram(pixels: np.ndarray) -> np.ndarray:
    bins = (pixels // 64).astype(int)
    codes = bins[..., 0] * 16 + bins[..., 1] * 4 + bins[..., 2]
    counts = np.bincount(codes.ravel(), minlength=64).astype(float)
    return counts / counts.sum()


def test_same_concept_images_are_closer_than_other_category_images(images):
    histograms = [_histogram(p) for p, *_ in images]
    same_concept, other_category = [], []
    for (i, a), (j, b) in itertools.combinations(enumerate(images), 2):
        distance = np.abs(histograms[i] - histograms[j]).sum()
        if a[1] == b[1]:
            same_concept.append(distance)
        elif a[2] != b[2]:
            other_category.append(distance)
    assert len(same_concept) > 100
    assert np.mean(same_concept) < 0.75 * np.mean(other_category)


def test_no_fixed_pixel_encodes_the_concept(images):
    by_concept: dict[str, list[np.ndarray]] = {}
    for pixels, concept, *_ in images:
        by_concept.setdefault(concept, []).append(pixels)
    for stack in by_concept.values():
        if len(stack) >= 5:
            spread = np.stack(stack).std(axis=0).mean(axis=-1)
            assert spread.min() > 1.0  # every pixel varies between images of one concept


def test_image_quality_shows_in_the_pixels(images):
    # Low quality adds noise: mean absolute difference between neighbouring pixels rises.
    roughness = np.array([np.abs(np.diff(p, axis=1)).mean() for p, *_ in images])
    quality = np.array([q for *_, q in images])
    ranks = lambda x: x.argsort().argsort()  # noqa: E731
    assert np.corrcoef(ranks(roughness), ranks(quality))[0, 1] < -0.3
