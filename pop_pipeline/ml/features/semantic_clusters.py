"""Semantic clusters: k-means over text embeddings, and bags of clusters.

Paper 003 (D-Sempre) uses k-means "semantic clusters" twice:

- §3.1.2, the user descriptor: a user's profile (description and location) and the profiles
  of all their followees are turned into vectors, the vectors are clustered into 2,000
  pre-computed clusters, and a bag-of-words over those clusters is the 2,000-d user feature;
- §3.3.2, the within-instance semantic-preserving constraint (eq. 3): the posts' textual
  content is clustered the same way, and posts of one cluster are a post's "neighbourhood".

This module holds both pieces, independent of where the embeddings come from:
:func:`fit_semantic_clusters` (seeded scikit-learn k-means), :meth:`SemanticClusters.assign`
(nearest centroid, also for texts never seen when fitting) and :func:`user_cluster_bags`
(the bag of a user from their own texts and their followees' texts).

Where we depart from the paper:

- Vectors are text embeddings (typically the CLIP text tower) of whole texts or phrases, not
  Word2Vec word vectors. :func:`profile_phrases` splits a bio at its separators so that a
  profile still gives several "words" (one per phrase: "hiking, jazz | Lisbon" gives three).
- Embeddings are L2-normalised before clustering and assignment (``normalise=True``), so
  k-means groups by cosine similarity, the metric the text encoder was trained for.
- Cluster count: the paper's 2,000 is scaled to the data by :func:`scaled_cluster_count`,
  ``k = min(k_requested, max(1, ⌊√(n_texts / 2)⌋), n_distinct_texts)``. ``√(n/2)`` is the
  usual rule of thumb for k-means; at the paper's 3.7 M posts it gives ≈ 1,360, the same order
  as its 2,000, while a 3,000-tweet world gets 38 clusters (about 80 texts each) rather than
  2,000 near-singletons, which would leave the semantic constraint with no neighbours.
- Bag normalisation: counts divided by their total (the bag sums to 1); a user with no text
  and no followee with text gets the zero vector. The paper does not say how it normalises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

PAPER_CLUSTER_COUNT = 2000  # paper 003 §3.1.2 and §3.3.2
NO_CLUSTER = -1  # label of a text (or post) that has no cluster
_PHRASE_SEPARATORS = re.compile(r"[,;|\n•·/]+")


def profile_text(description: str, location: str) -> str:
    """A user's profile as one text: the description, then the location (paper 003 §3.1.2)."""
    parts = [part.strip() for part in (description, location) if part and part.strip()]
    return " | ".join(parts)


def profile_phrases(description: str, location: str) -> list[str]:
    """The phrases of a profile, split at ``, ; | / • ·`` and new lines, location last.

    Whitespace is collapsed, empty and repeated phrases (case-insensitive) are dropped, order is
    kept. Each phrase is one "word" of the bag-of-clusters.
    """
    phrases: list[str] = []
    seen: set[str] = set()
    for text in (description, location):
        for raw in _PHRASE_SEPARATORS.split(text or ""):
            phrase = " ".join(raw.split())
            if phrase and phrase.lower() not in seen:
                seen.add(phrase.lower())
                phrases.append(phrase)
    return phrases


def scaled_cluster_count(requested: int, n_texts: int) -> int:
    """``min(requested, max(1, ⌊√(n_texts / 2)⌋))``: the paper's 2,000 scaled to the data."""
    if requested < 1:
        raise ValueError(f"requested cluster count must be at least 1, got {requested}")
    if n_texts < 1:
        raise ValueError("cannot cluster zero texts")
    return min(requested, max(1, math.isqrt(n_texts // 2)))


def _prepare(embeddings: np.ndarray, normalise: bool) -> np.ndarray:
    vectors = np.asarray(embeddings, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"embeddings must be a 2-d array, got shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError("embeddings contain NaN or infinite values")
    if normalise:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
    return vectors


@dataclass(frozen=True)
class SemanticClusters:
    """k-means centroids and the rule that assigns a text embedding to one of them."""

    centroids: np.ndarray  # [k, d] float64, in the (normalised) space the data was fitted in
    normalise: bool  # whether inputs are L2-normalised before the nearest-centroid search

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    def assign(self, embeddings: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid (squared Euclidean; ties to the lower index), int64."""
        vectors = _prepare(embeddings, self.normalise)
        if vectors.shape[1] != self.centroids.shape[1]:
            raise ValueError(
                f"embeddings have {vectors.shape[1]} dims, centroids {self.centroids.shape[1]}"
            )
        if not len(vectors):
            return np.zeros(0, dtype=np.int64)
        squared = (
            (vectors**2).sum(axis=1, keepdims=True)
            - 2.0 * vectors @ self.centroids.T
            + (self.centroids**2).sum(axis=1)
        )
        return squared.argmin(axis=1).astype(np.int64)


def fit_semantic_clusters(
    embeddings: np.ndarray,
    k: int,
    *,
    seed: int,
    normalise: bool = True,
    n_init: int = 4,
    max_iter: int = 300,
) -> SemanticClusters:
    """Fit k-means with ``k`` clusters (fewer if there are fewer distinct embeddings).

    Deterministic for a given ``seed``: k-means++ initialisation and Lloyd iterations, best
    inertia of ``n_init`` runs (scikit-learn's ``KMeans``). Pass ``k`` through
    :func:`scaled_cluster_count` to scale the paper's 2,000 to the data.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    vectors = _prepare(embeddings, normalise)
    if not len(vectors):
        raise ValueError("cannot cluster zero embeddings")
    distinct = len(np.unique(vectors, axis=0))
    kmeans = KMeans(
        n_clusters=min(k, distinct),
        init="k-means++",
        n_init=n_init,
        max_iter=max_iter,
        algorithm="lloyd",
        random_state=seed,
    ).fit(vectors)
    return SemanticClusters(
        centroids=np.asarray(kmeans.cluster_centers_, dtype=np.float64), normalise=normalise
    )


def bag_of_clusters(
    text_clusters: np.ndarray, owners: np.ndarray, n_owners: int, k: int
) -> np.ndarray:
    """``[n_owners, k]`` float32: row ``o`` counts the clusters of the texts ``o`` owns, / total.

    ``text_clusters[t]`` is the cluster of text ``t`` (:data:`NO_CLUSTER` texts are ignored),
    ``owners[t]`` the owner's index in ``[0, n_owners)``. A row with no texts stays zero.
    """
    clusters = np.asarray(text_clusters, dtype=np.int64)
    owners = np.asarray(owners, dtype=np.int64)
    if clusters.shape != owners.shape or clusters.ndim != 1:
        raise ValueError("text_clusters and owners must be 1-d arrays of the same length")
    keep = clusters != NO_CLUSTER
    clusters, owners = clusters[keep], owners[keep]
    if clusters.size and (clusters.min() < 0 or clusters.max() >= k):
        raise ValueError(f"cluster labels must lie in [0, {k}) or be {NO_CLUSTER}")
    if owners.size and (owners.min() < 0 or owners.max() >= n_owners):
        raise ValueError(f"owners must lie in [0, {n_owners})")
    counts = np.zeros((n_owners, k), dtype=np.float64)
    np.add.at(counts, (owners, clusters), 1.0)
    totals = counts.sum(axis=1, keepdims=True)
    return (counts / np.where(totals > 0, totals, 1.0)).astype(np.float32)


def user_cluster_bags(
    text_clusters: np.ndarray,
    text_users: np.ndarray,
    n_users: int,
    follow_source: np.ndarray,
    follow_target: np.ndarray,
    k: int,
) -> np.ndarray:
    """D-Sempre's user feature (paper 003 §3.1.2): ``[n_users, k]`` bags of clusters.

    The texts of user ``u`` are ``u``'s own profile texts and the profile texts of every user
    ``u`` follows, each counted once per text (a duplicated follow edge counts once, a
    self-follow is ignored). Args: ``text_clusters[t]`` the cluster of profile text ``t``
    (:data:`NO_CLUSTER` to skip it), ``text_users[t]`` the user who wrote it, and follow edges as
    user indices (``follow_source[e]`` follows ``follow_target[e]``).
    """
    clusters = np.asarray(text_clusters, dtype=np.int64)
    writers = np.asarray(text_users, dtype=np.int64)
    source = np.asarray(follow_source, dtype=np.int64)
    target = np.asarray(follow_target, dtype=np.int64)
    if clusters.shape != writers.shape or source.shape != target.shape:
        raise ValueError("text and follow arrays must be pairwise of the same length")
    if writers.size and (writers.min() < 0 or writers.max() >= n_users):
        raise ValueError(f"text_users must lie in [0, {n_users})")
    edge_ends = np.concatenate([source, target])
    if edge_ends.size and (edge_ends.min() < 0 or edge_ends.max() >= n_users):
        raise ValueError(f"follow edges must index users in [0, {n_users})")
    keep = source != target
    edges = np.unique(np.stack([source[keep], target[keep]], axis=1), axis=0)
    # one row per (reader, text): a writer reads their own texts, a follower their followees'
    order = np.argsort(writers, kind="stable")  # text indices grouped by writer
    counts = np.bincount(writers, minlength=n_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lengths = counts[edges[:, 1]]  # texts each follow edge brings to its source
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    followed = order[np.repeat(starts[edges[:, 1]], lengths) + within]
    readers = np.concatenate([writers, np.repeat(edges[:, 0], lengths)])
    read = np.concatenate([np.arange(len(clusters)), followed])
    return bag_of_clusters(clusters[read], readers, n_users, k)
