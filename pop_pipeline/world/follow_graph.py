"""The directed follow graph: heavy-tailed out-degrees, preferential attachment, homophily.

Each user's out-degree is a clipped log-normal (at least 1, at most ``max_followees``) scaled
to the configured mean. Users are wired in random order, in batches: a user's candidates are
``candidate_pool`` draws proportional to (followers + attachment_offset) × celebrity boost
(preferential attachment, follower counts refreshed after every batch) plus as many users of
the same primary category and as many of the same primary concept; the followees are the top
candidates by ``homophily · ⟨interest_u, interest_v⟩ + attachment_strength · log(weight_v) +
Gumbel noise`` (a draw ∝ weight^strength · exp(homophily · similarity)). Tie strength of an edge is
``σ(2·⟨interest_u, interest_v⟩ + N(0, tie_noise))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.config import FollowGraphConfig
from pop_pipeline.world.population import Population
from pop_pipeline.world.taxonomy import Taxonomy


@dataclass(frozen=True)
class FollowGraph:
    """Edges sorted by (source, target); source follows target."""

    source: np.ndarray  # (E,) follower user index
    target: np.ndarray  # (E,) followee user index
    tie: np.ndarray  # (E,) tie strength in (0, 1)
    n_users: int  # number of users

    @property
    def n_edges(self) -> int:
        return int(self.source.size)

    def followers_count(self) -> np.ndarray:
        return np.bincount(self.target, minlength=self.n_users)

    def following_count(self) -> np.ndarray:
        return np.bincount(self.source, minlength=self.n_users)


def draw_out_degrees(config: FollowGraphConfig, n_users: int, rng: np.random.Generator):
    """Clipped log-normal out-degrees summing to round(mean_followees · n) (bisection on μ)."""
    cap = min(config.max_followees, n_users - 1)
    z = rng.standard_normal(n_users)

    def degrees(mu: float) -> np.ndarray:
        return np.clip(np.rint(np.exp(mu + config.out_degree_sigma * z)), 1, cap).astype(np.int64)

    lo, hi = -5.0, 10.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if degrees(mid).mean() < config.mean_followees:
            lo = mid
        else:
            hi = mid
    result = degrees(hi)
    # Nudge random users by one so the total is exactly round(mean · n).
    excess = int(result.sum()) - round(config.mean_followees * n_users)
    for user in rng.permutation(n_users).tolist():
        if excess == 0:
            break
        step = -1 if excess > 0 else 1
        if 1 <= result[user] + step <= cap:
            result[user] += step
            excess += step
    return result


def draw_follow_graph(
    config: FollowGraphConfig,
    population: Population,
    taxonomy: Taxonomy,
    rng: np.random.Generator,
) -> FollowGraph:
    """Wire every user to their followees."""
    n = population.n_users
    interests = population.interests
    out_degree = draw_out_degrees(config, n, rng)
    primary = population.primary_concept
    groups = [_Group(taxonomy.concept_category[primary]), _Group(primary)]
    boost = np.where(population.celebrity, config.celebrity_attraction, 1.0)
    followers = np.zeros(n, dtype=np.float64)
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    order = rng.permutation(n)
    for begin in range(0, n, config.wiring_batch):
        batch = order[begin : begin + config.wiring_batch]
        pool_size = max(config.candidate_pool, 2 * int(out_degree[batch].max()))
        weights = (followers + config.attachment_offset) * boost
        cumulative = np.cumsum(weights)
        attached = np.searchsorted(
            cumulative, rng.random((batch.size, pool_size)) * cumulative[-1], side="right"
        )
        similar = [group.draw(batch, pool_size, rng) for group in groups]
        pool = np.concatenate([np.minimum(attached, n - 1), *similar], axis=1)
        similarity = np.einsum("bd,bpd->bp", interests[batch], interests[pool])
        popularity = config.attachment_strength * np.log(weights[pool])
        score = config.homophily * similarity + popularity + rng.gumbel(size=pool.shape)
        ranked = np.take_along_axis(pool, np.argsort(-score, axis=1), axis=1)
        for row, user in enumerate(batch.tolist()):
            chosen = _first_distinct(ranked[row], user, int(out_degree[user]), n, rng)
            sources.append(np.full(chosen.size, user, dtype=np.int64))
            targets.append(chosen)
            followers[chosen] += 1
    source = np.concatenate(sources)
    target = np.concatenate(targets)
    order_edges = np.lexsort((target, source))
    source, target = source[order_edges], target[order_edges]
    similarity = np.einsum("ed,ed->e", interests[source], interests[target])
    tie = 1.0 / (1.0 + np.exp(-(2.0 * similarity + rng.normal(0, config.tie_noise, source.size))))
    return FollowGraph(source=source, target=target, tie=tie, n_users=n)


class _Group:
    """Users grouped by a label (primary category or concept), for uniform draws within."""

    def __init__(self, label: np.ndarray) -> None:
        self.label = label
        self.members = np.argsort(label, kind="stable")
        self.start = np.searchsorted(label[self.members], np.arange(label.max() + 2))

    def draw(self, users: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """(len(users), count) random members of each user's own group."""
        own = self.label[users]
        start, size = self.start[own], self.start[own + 1] - self.start[own]
        offsets = (rng.random((users.size, count)) * size[:, None]).astype(np.int64)
        return self.members[start[:, None] + offsets]


def _first_distinct(
    ranked: np.ndarray, user: int, k: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """The first ``k`` distinct candidates other than ``user``, topped up uniformly."""
    _, first_seen = np.unique(ranked, return_index=True)
    distinct = ranked[np.sort(first_seen)]
    distinct = distinct[distinct != user][:k]
    if distinct.size < k:
        taken = np.zeros(n, dtype=bool)
        taken[distinct] = True
        taken[user] = True
        shuffled = rng.permutation(n)
        others = shuffled[~taken[shuffled]]
        distinct = np.concatenate([distinct, others[: k - distinct.size]])
    return distinct.astype(np.int64)
