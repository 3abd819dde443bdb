"""Fixtures for the CLIP tests: CPU only, no hub access, real JPEG files written by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from pop_pipeline.ml.clip import IN_DOMAIN_MODEL, ClipBundle, create_clip
from pop_pipeline_tests.ml.clip.synthetic import draw_shape_image, write_jpeg


@pytest.fixture(autouse=True)
def offline_cpu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """CPU only, never the hub; one torch thread, so a busy machine cannot oversubscribe it."""
    monkeypatch.setenv("POP_DEVICE", "cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("POP_HOME", str(tmp_path / "pop_home"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def image_files(tmp_path: Path) -> list[str]:
    """Six real JPEG files of different content."""
    content = [
        ("red", "circle"),
        ("blue", "square"),
        ("green", "triangle"),
        ("yellow", "cross"),
        ("red", "square"),
        ("blue", "circle"),
    ]
    return [
        write_jpeg(draw_shape_image(colour, shape), tmp_path / "images" / f"{index}.jpg")
        for index, (colour, shape) in enumerate(content)
    ]


@pytest.fixture
def bundle() -> ClipBundle:
    return create_clip(IN_DOMAIN_MODEL, seed=7)
