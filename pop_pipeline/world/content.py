"""Original tweets' latent truth: when, by whom, about what, how good.

Posting times: the window is cut into hours; hour h gets a multinomial share of the tweets
with weight ``1 + daily_cycle_amplitude · cos(2π(hour_of_day - peak_hour)/24)``, and times
inside an hour are uniform (each hour has its own random stream). Tweet indices follow time
order. Per tweet (its own stream): author ∝ posting weight; concept ∝
``exp(interest_sharpness · ⟨interest_author, concept⟩ + trend_sharpness · trend(concept, t))``;
content = unit(concept vector + noise); image and text quality = author skill + noise; a
share of tweets has no image; a share of captions talks about another concept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.clock import MS_PER_DAY, MS_PER_HOUR
from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.engagement import TrendTable, TweetLatent
from pop_pipeline.world.population import Population
from pop_pipeline.world.seeding import Stage, stage_rng
from pop_pipeline.world.taxonomy import Taxonomy
from pop_pipeline.world.trends import hour_index


@dataclass(frozen=True)
class TweetSchedule:
    """How many tweets each hour of the posting window holds."""

    start_ms: int  # start of the posting window
    end_ms: int  # end of the posting window (exclusive)
    hour_counts: np.ndarray  # (n_hours,) tweets per hour
    seed: int  # world seed (each hour's times have their own stream)

    def chunks(self, chunk_size: int) -> Iterator[list[tuple[int, int]]]:
        """Yield lists of at most ``chunk_size`` (tweet index, created_ms), in time order."""
        chunk: list[tuple[int, int]] = []
        index = 0
        for hour, count in enumerate(self.hour_counts.tolist()):
            if count == 0:
                continue
            begin = self.start_ms + hour * MS_PER_HOUR
            length = min(MS_PER_HOUR, self.end_ms - begin)
            rng = stage_rng(self.seed, Stage.TWEET_TIMES, hour)
            for moment in np.sort(rng.integers(0, length, size=count)).tolist():
                chunk.append((index, begin + moment))
                index += 1
                if len(chunk) == chunk_size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk


def build_schedule(config: WorldConfig, start_ms: int) -> TweetSchedule:
    """Spread ``n_tweets`` over the hours of the posting window with a daily cycle."""
    end_ms = start_ms + round(config.time.days * MS_PER_DAY)
    n_hours = math.ceil((end_ms - start_ms) / MS_PER_HOUR)
    hour_start = start_ms + np.arange(n_hours, dtype=np.int64) * MS_PER_HOUR
    hour_of_day = ((hour_start % MS_PER_DAY) / MS_PER_HOUR) + 0.5
    cycle = 1.0 + config.time.daily_cycle_amplitude * np.cos(
        2 * np.pi * (hour_of_day - config.time.peak_hour_utc) / 24.0
    )
    length = np.minimum(MS_PER_HOUR, end_ms - hour_start) / MS_PER_HOUR
    weights = np.maximum(cycle, 1e-3) * length
    rng = stage_rng(config.seed, Stage.TWEET_TIMES)
    counts = rng.multinomial(config.content.n_tweets, weights / weights.sum())
    return TweetSchedule(start_ms=start_ms, end_ms=end_ms, hour_counts=counts, seed=config.seed)


class TweetDrawer:
    """Draws the latent truth of tweet ``index`` posted at ``created_ms``."""

    def __init__(
        self, config: WorldConfig, population: Population, taxonomy: Taxonomy, trends: TrendTable
    ) -> None:
        self._config = config
        self._content = config.content
        self._population = population
        self._taxonomy = taxonomy
        self._trends = trends
        cumulative = np.cumsum(population.posting_weight)
        self._posting_cumulative = cumulative / cumulative[-1]
        self._noise_scale = self._content.content_noise / math.sqrt(
            taxonomy.concept_vectors.shape[1]
        )

    def draw(self, index: int, created_ms: int) -> TweetLatent:
        content_config = self._content
        rng = stage_rng(self._config.seed, Stage.TWEET_CONTENT, index)
        author = int(np.searchsorted(self._posting_cumulative, rng.random(), side="right"))
        author = min(author, self._population.n_users - 1)
        concept = self._concept(author, created_ms, rng)
        vector = self._taxonomy.concept_vectors[concept]
        noisy = vector + rng.standard_normal(vector.size) * self._noise_scale
        content = (noisy / np.linalg.norm(noisy)).astype(np.float32).astype(np.float64)
        skill = self._population.skill[author]
        image_quality = skill + rng.normal(0.0, content_config.image_quality_std)
        text_quality = skill + rng.normal(0.0, content_config.text_quality_std)
        has_image = bool(rng.random() >= content_config.text_only_share)
        if not has_image:
            image_quality = content_config.text_only_image_quality
        caption_concept = concept
        mismatched = rng.random() < self._config.text.caption_mismatch_share
        if mismatched and self._taxonomy.n_concepts > 1:
            other = int(rng.integers(0, self._taxonomy.n_concepts - 1))
            caption_concept = other + int(other >= concept)
        return TweetLatent(
            index=index,
            author=author,
            created_ms=created_ms,
            concept=concept,
            caption_concept=int(caption_concept),
            content=content,
            image_quality=float(np.float32(image_quality)),
            text_quality=float(np.float32(text_quality)),
            has_image=has_image,
        )

    def _concept(self, author: int, created_ms: int, rng: np.random.Generator) -> int:
        taxonomy, trends = self._taxonomy, self._trends
        affinity = taxonomy.concept_vectors @ self._population.interests[author]
        hour = hour_index(created_ms, trends.start_ms, trends.grid.shape[1])
        logits = (
            self._content.interest_sharpness * affinity
            + self._content.trend_sharpness * trends.grid[:, hour]
        )
        weights = np.exp(logits - logits.max())
        cumulative = np.cumsum(weights)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        return min(pick, taxonomy.n_concepts - 1)
