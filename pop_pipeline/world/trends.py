"""Concept trends: how fashionable each concept is, hour by hour.

trend(c, t) = baseline_c + Σ_bursts amplitude · exp(-½((t - centre)/width)²), evaluated at the
middle of each hour from the world's start to its collection time and stored as a grid. The
grid is the definition: the simulation and the oracle both read trend(c, t) as
``grid[c, hour_index(t)]`` (piecewise constant per hour, clipped to the grid's ends).
"""

from __future__ import annotations

import math

import numpy as np

from pop_pipeline.world.clock import MS_PER_HOUR
from pop_pipeline.world.config import TaxonomyConfig


def build_trend_grid(
    config: TaxonomyConfig, n_concepts: int, n_hours: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_concepts, n_hours) float64 trend values."""
    hours = np.arange(n_hours, dtype=np.float64) + 0.5
    baseline = rng.normal(0.0, config.trend_baseline_std, size=n_concepts)
    grid = np.repeat(baseline[:, None], n_hours, axis=1)
    mean_bursts = config.trend_bursts_per_30_days * n_hours / (30 * 24)
    for concept in range(n_concepts):
        for _ in range(int(rng.poisson(mean_bursts))):
            centre = rng.uniform(0, n_hours)
            width = 24.0 * config.trend_burst_width_days * rng.uniform(0.5, 1.5)
            amplitude = config.trend_burst_amplitude * rng.uniform(0.5, 1.5)
            grid[concept] += amplitude * np.exp(-0.5 * ((hours - centre) / width) ** 2)
    return grid


def n_trend_hours(start_ms: int, collected_ms: int) -> int:
    """Hours covered by the grid (start to collection time)."""
    return max(1, math.ceil((collected_ms - start_ms) / MS_PER_HOUR))


def hour_index(ms: int | np.ndarray, start_ms: int, n_hours: int) -> int | np.ndarray:
    """Grid column of a time (scalar or array), clipped to the grid."""
    if isinstance(ms, np.ndarray):
        return np.clip((ms - start_ms) // MS_PER_HOUR, 0, n_hours - 1).astype(np.int64)
    return min(max((int(ms) - start_ms) // MS_PER_HOUR, 0), n_hours - 1)
