"""The platform's recommendation feed: out-of-network deliveries to interested users.

Besides followers, a tweet is delivered to users the platform picks for its concept: for
each concept the ``recommendation_audience`` share of users with the highest ⟨interest,
concept vector⟩ form its audience, weighted by ``activity · exp(recommendation_sharpness ·
affinity)``. The table depends on the latent truth only, so the oracle rebuilds it
identically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RecommendationTable:
    """Per concept: candidate users and the cumulative distribution to draw them."""

    users: np.ndarray  # (n_concepts, K) candidate user indices (ascending)
    cumulative: np.ndarray  # (n_concepts, K) cumulative draw probabilities (last = 1)

    def draw(self, concept: int, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` recommended users for ``concept`` (with replacement)."""
        picks = np.searchsorted(self.cumulative[concept], rng.random(count), side="right")
        return self.users[concept, np.minimum(picks, self.users.shape[1] - 1)]


def build_recommendation_table(
    interests: np.ndarray,
    activity: np.ndarray,
    concept_vectors: np.ndarray,
    audience_share: float,
    sharpness: float,
) -> RecommendationTable:
    """Each concept's top ``audience_share`` of users by affinity, weighted as in the module doc."""
    n_users, n_concepts = interests.shape[0], concept_vectors.shape[0]
    k = min(max(1, round(audience_share * n_users)), n_users)
    users = np.empty((n_concepts, k), dtype=np.int64)
    cumulative = np.empty((n_concepts, k), dtype=np.float64)
    for concept in range(n_concepts):
        affinity = interests @ concept_vectors[concept]
        top = np.sort(np.argpartition(-affinity, k - 1)[:k]) if k < n_users else np.arange(k)
        weight = activity[top] * np.exp(sharpness * (affinity[top] - affinity[top].max()))
        users[concept] = top
        cumulative[concept] = np.cumsum(weight) / weight.sum()
    return RecommendationTable(users=users, cumulative=cumulative)
