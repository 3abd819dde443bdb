"""D-Sempre's extra positive: another post the same user acted on, from another semantic cluster.

Paper 003 §4.1 ("Network Settings"): "For the experiments with the within-instance
semantic-preserving constraint, we add one more positive sample distinct (belong to different
semantic clusters) from the one that already included in the triplets." Each training triplet
``(u, p⁺, p⁻)`` gets a second positive ``p⁺'`` of the same user whose semantic cluster differs
from ``p⁺``'s, so the semantic-preserving term (eq. 3) sees, within one user's taste, posts it
must keep apart.

The candidates of a triplet are the distinct positives of the same user (over all the
triplets given) whose cluster is known and differs from the triplet's positive's cluster; one is
drawn uniformly with a seeded generator. A triplet without candidates (the user acted on one
cluster only, or its positive has no cluster) gets :data:`NO_EXTRA_POSITIVE`.

Determinism: candidates are sorted by row and groups are visited in sorted (user, cluster)
order, so the draw depends only on the arrays' content and the seed.
"""

from __future__ import annotations

import numpy as np

from pop_pipeline.ml.features.semantic_clusters import NO_CLUSTER

NO_EXTRA_POSITIVE = -1


def sample_extra_positives(
    users: np.ndarray, pos_rows: np.ndarray, post_clusters: np.ndarray, *, seed: int
) -> np.ndarray:
    """One extra positive row per triplet (int64, :data:`NO_EXTRA_POSITIVE` where none exists).

    Args:
        users: ``[T]`` user index of each triplet.
        pos_rows: ``[T]`` feature row of each triplet's positive post.
        post_clusters: ``[n_posts]`` semantic cluster of every feature row
            (:data:`~pop_pipeline.ml.features.semantic_clusters.NO_CLUSTER` if unknown).
        seed: seed of the ``numpy.random.Generator`` behind the draws.
    """
    users = np.asarray(users, dtype=np.int64)
    pos_rows = np.asarray(pos_rows, dtype=np.int64)
    post_clusters = np.asarray(post_clusters, dtype=np.int64)
    if users.shape != pos_rows.shape or users.ndim != 1:
        raise ValueError("users and pos_rows must be 1-d arrays of the same length")
    if pos_rows.size and (pos_rows.min() < 0 or pos_rows.max() >= len(post_clusters)):
        raise ValueError("pos_rows must index post_clusters")
    rng = np.random.default_rng(seed)
    extra = np.full(len(users), NO_EXTRA_POSITIVE, dtype=np.int64)
    clusters = post_clusters[pos_rows]
    positives = np.unique(np.stack([users, pos_rows], axis=1), axis=0)  # sorted (user, row)
    if not len(positives):
        return extra
    user_starts = np.searchsorted(positives[:, 0], np.unique(positives[:, 0]))
    by_user = dict(
        zip(
            np.unique(positives[:, 0]).tolist(),
            np.split(positives[:, 1], user_starts[1:]),
            strict=True,
        )
    )
    order = np.lexsort((clusters, users))  # triplets grouped by (user, cluster), stable
    keys = np.stack([users[order], clusters[order]], axis=1)
    boundaries = np.flatnonzero((np.diff(keys, axis=0) != 0).any(axis=1)) + 1
    for members in np.split(order, boundaries):
        user, cluster = int(users[members[0]]), int(clusters[members[0]])
        if cluster == NO_CLUSTER:
            continue
        rows = by_user[user]
        row_clusters = post_clusters[rows]
        candidates = rows[(row_clusters != cluster) & (row_clusters != NO_CLUSTER)]
        if len(candidates):
            extra[members] = candidates[rng.integers(0, len(candidates), size=len(members))]
    return extra
