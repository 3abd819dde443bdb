"""Producing one original tweet: truth, caption, image file, cascade and comments.

Every tweet draws from its own child streams of the seed, so tweets can be produced in any
order or in parallel and the world stays the same. ``ParallelProducer`` spreads a chunk over
``workers`` forked processes (each writes its images itself and returns their sha256) and
hands the results back in tweet order.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pop_pipeline.world import raw_format as fmt
from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.content import TweetDrawer
from pop_pipeline.world.engagement import CascadeOutcome, TweetLatent, simulate_cascade
from pop_pipeline.world.images import ImageRenderer
from pop_pipeline.world.latent_world import LatentWorld
from pop_pipeline.world.seeding import Stage, stage_rng
from pop_pipeline.world.text import Caption, CaptionWriter


@dataclass(frozen=True)
class ProducedTweet:
    """One tweet with everything needed to write it."""

    latent: TweetLatent  # latent truth
    caption: Caption  # tweet text and hashtags
    outcome: CascadeOutcome  # retweets, views, likes, ...
    replies: list[tuple[int, int, str]]  # (time_ms, user, text), by time
    image_file: tuple[str, str, int] | None  # (relative path, sha256, bytes) if an image
    render_seconds: float  # time spent rendering the image


class TweetProducer:
    """Produces tweets of one world and writes their images under ``root``."""

    def __init__(self, config: WorldConfig, world: LatentWorld, root: Path) -> None:
        self._config = config
        self._world = world
        self._root = root
        self._drawer = TweetDrawer(config, world.population, world.taxonomy, world.trends)
        axis = stage_rng(config.seed, Stage.TWEET_IMAGE).standard_normal(world.taxonomy.latent_dim)
        self._renderer = ImageRenderer(world.taxonomy, config.images, axis / np.linalg.norm(axis))
        self._writer = CaptionWriter(world.taxonomy, config.text)
        self._primary_concept = world.population.primary_concept
        (root / "media").mkdir(parents=True, exist_ok=True)

    def produce(self, index: int, created_ms: int) -> ProducedTweet:
        seed, world = self._config.seed, self._world
        latent = self._drawer.draw(index, created_ms)
        caption = self._writer.caption(
            latent.caption_concept, latent.text_quality, stage_rng(seed, Stage.TWEET_TEXT, index)
        )
        image_file, render_seconds = None, 0.0
        if latent.has_image:
            began = time.perf_counter()
            image = self._renderer.render(latent, stage_rng(seed, Stage.TWEET_IMAGE, index))
            render_seconds = time.perf_counter() - began
            relative = f"media/{fmt.media_key(index)}.jpg"
            (self._root / relative).write_bytes(image)
            image_file = (relative, hashlib.sha256(image).hexdigest(), len(image))
        outcome = simulate_cascade(
            world.network,
            latent,
            world.trends,
            self._config.engagement,
            world.clock.collected_ms,
            stage_rng(seed, Stage.CASCADE, index),
        )
        reply_rng = stage_rng(seed, Stage.REPLY_TEXT, index)
        replies = [
            (
                ms,
                user,
                self._writer.comment(latent.concept, int(self._primary_concept[user]), reply_rng),
            )
            for ms, user in outcome.replies
        ]
        return ProducedTweet(latent, caption, outcome, replies, image_file, render_seconds)

    def produce_all(self, pairs: list[tuple[int, int]]) -> list[ProducedTweet]:
        return [self.produce(index, created_ms) for index, created_ms in pairs]


_FORKED_PRODUCER: TweetProducer | None = None  # inherited by forked worker processes


def _produce_in_worker(pairs: list[tuple[int, int]]) -> list[ProducedTweet]:
    assert _FORKED_PRODUCER is not None
    return _FORKED_PRODUCER.produce_all(pairs)


class ParallelProducer:
    """Produces chunks with ``workers`` forked processes (or in-process when workers is 1)."""

    def __init__(self, producer: TweetProducer, workers: int) -> None:
        global _FORKED_PRODUCER
        self._producer = producer
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        self._workers = workers if can_fork else 1
        self._pool = None
        if self._workers > 1:
            _FORKED_PRODUCER = producer
            self._pool = multiprocessing.get_context("fork").Pool(self._workers)

    def produce_chunk(self, pairs: list[tuple[int, int]]) -> list[ProducedTweet]:
        """The chunk's tweets, in the order of ``pairs``."""
        if self._pool is None or len(pairs) < 2 * self._workers:
            return self._producer.produce_all(pairs)
        parts = [pairs[i :: self._workers] for i in range(self._workers)]
        results = self._pool.map(_produce_in_worker, parts)
        merged: list[ProducedTweet | None] = [None] * len(pairs)
        for offset, part in enumerate(results):
            merged[offset :: self._workers] = part
        return merged  # type: ignore[return-value]

    def close(self) -> None:
        global _FORKED_PRODUCER
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
        _FORKED_PRODUCER = None
