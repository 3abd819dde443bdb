"""Users' latent traits: interests, activity, attention, feed sessions, skill, celebrity.

User indices are in account-creation order (user ids grow with creation dates, as on
Twitter); traits are drawn independently of that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.clock import MS_PER_DAY
from pop_pipeline.world.config import PopulationConfig, TimeConfig
from pop_pipeline.world.taxonomy import Taxonomy


@dataclass(frozen=True)
class Population:
    """Latent traits of every user (arrays indexed by user)."""

    interests: np.ndarray  # (n, D) unit interest vectors, float64
    interest_concepts: np.ndarray  # (n, K) concepts mixed into the interest, -1 = unused
    interest_weights: np.ndarray  # (n, K) mixing weights (0 for unused slots)
    activity: np.ndarray  # (n,) activity in (0, 1)
    attention: np.ndarray  # (n,) chance to notice a delivered post
    session_period_ms: np.ndarray  # (n,) mean time between feed sessions
    session_phase_ms: np.ndarray  # (n,) offset of the first session
    posting_weight: np.ndarray  # (n,) relative rate of original posts
    skill: np.ndarray  # (n,) constant offset of the user's image/text quality
    celebrity: np.ndarray  # (n,) bool, celebrity (verified) accounts
    created_ms: np.ndarray  # (n,) account creation times, epoch ms, ascending

    @property
    def n_users(self) -> int:
        return self.interests.shape[0]

    @property
    def primary_concept(self) -> np.ndarray:
        """(n,) the concept with the largest mixing weight."""
        slots = np.argmax(self.interest_weights, axis=1)
        return self.interest_concepts[np.arange(self.n_users), slots]


def draw_population(
    config: PopulationConfig,
    time: TimeConfig,
    start_ms: int,
    taxonomy: Taxonomy,
    rng: np.random.Generator,
) -> Population:
    """Draw every user's latent traits."""
    n = config.n_users
    concepts, weights = _interest_mixes(config, taxonomy, n, rng)
    dim = taxonomy.concept_vectors.shape[1]
    mixed = np.einsum("nk,nkd->nd", weights, taxonomy.concept_vectors[np.maximum(concepts, 0)])
    noise = rng.standard_normal((n, dim)) * (config.interest_noise / np.sqrt(dim))
    interests = _unit(mixed + noise)
    activity = rng.beta(config.activity_beta_a, config.activity_beta_b, size=n)
    sessions_per_day = config.sessions_per_day_min + activity * (
        config.sessions_per_day_max - config.sessions_per_day_min
    )
    period = MS_PER_DAY / sessions_per_day
    phase = rng.random(n) * period
    attention = config.attention_min + activity * (config.attention_max - config.attention_min)
    n_celebrities = round(config.celebrity_share * n)
    celebrity = np.zeros(n, dtype=bool)
    celebrity[rng.choice(n, size=n_celebrities, replace=False)] = True
    posting = activity * rng.lognormal(0.0, config.posting_weight_sigma, size=n)
    posting = posting * np.where(celebrity, config.celebrity_posting, 1.0)
    skill = rng.normal(0.0, config.author_skill_std, size=n) + 0.5 * celebrity
    age_ms = np.sort(rng.random(n))[::-1] * time.account_age_days_max * MS_PER_DAY
    created = (start_ms - age_ms).astype(np.int64)
    created = created - created % 1000
    return Population(
        interests=interests,
        interest_concepts=concepts,
        interest_weights=weights,
        activity=activity,
        attention=attention,
        session_period_ms=period,
        session_phase_ms=phase,
        posting_weight=posting,
        skill=skill,
        celebrity=celebrity,
        created_ms=created,
    )


def _interest_mixes(
    config: PopulationConfig, taxonomy: Taxonomy, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """1..K concepts per user (later ones favour the first one's category) and weights."""
    k_max = config.max_interest_concepts
    n_concepts = taxonomy.n_concepts
    category_of = taxonomy.concept_category
    concepts = np.full((n, k_max), -1, dtype=np.int64)
    weights = np.zeros((n, k_max))
    # Concepts of one category are contiguous (taxonomy order).
    first_of_category = np.searchsorted(category_of, np.arange(category_of.max() + 2))
    counts = rng.integers(1, k_max + 1, size=n)
    concepts[:, 0] = rng.integers(0, n_concepts, size=n)
    home = category_of[concepts[:, 0]]
    home_start, home_size = first_of_category[home], np.diff(first_of_category)[home]
    for slot in range(1, k_max):
        same_category = rng.random(n) < 0.6
        anywhere = rng.integers(0, n_concepts, size=n)
        nearby = home_start + (rng.random(n) * home_size).astype(np.int64)
        chosen = np.where(same_category, nearby, anywhere)
        concepts[:, slot] = np.where(slot < counts, chosen, -1)
    raw = rng.dirichlet(np.full(k_max, 2.0), size=n)
    raw[concepts < 0] = 0.0
    weights = raw / raw.sum(axis=1, keepdims=True)
    return concepts, weights


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)
