"""Users with no training triplet get the unknown user's parameters, not their random init.

A user who appears in the data (as a follower, followee or test user) but in no training
triplet keeps the embedding row it was initialised with: random numbers that never saw a
gradient. Scoring such a user's candidates with that row ranks them at random at best, and for
a multiplicative score (AMNL's ``f·h``) it can invert the ranking. Every model therefore resets
those rows, after training, to what it uses for an unknown user: zero rows for the
bias-carrying factorisations (VBPR, BPR: the score falls back to the item and visual biases) and
the mean of the trained users' rows for the models whose unknown user is that mean (AMNL,
AMNL+, the CITING stand-in). On the ``demo`` world 295 of 1,525 AMNL-protocol test users (8 % of
test rows) have no training triplet (docs/BENCHMARKS.md, Cornac section).
"""

from __future__ import annotations

import torch
from torch import nn


def _checked(rows: torch.Tensor, embedding: nn.Embedding) -> torch.Tensor:
    rows = rows.to(device=embedding.weight.device, dtype=torch.long)
    if rows.numel() and (int(rows.min()) < 0 or int(rows.max()) >= embedding.num_embeddings):
        raise ValueError(f"rows must lie in [0, {embedding.num_embeddings})")
    return rows


@torch.no_grad()
def zero_rows(embedding: nn.Embedding, rows: torch.Tensor) -> None:
    """Set ``rows`` of ``embedding`` to zero."""
    embedding.weight[_checked(rows, embedding)] = 0.0


@torch.no_grad()
def set_rows_to_mean_of_others(
    embedding: nn.Embedding, rows: torch.Tensor, n_rows: int | None = None
) -> None:
    """Set ``rows`` to the mean of the other rows among the first ``n_rows`` (default all).

    Left unchanged when every row is in ``rows`` (no trained row to average).
    """
    rows = _checked(rows, embedding)
    n = embedding.num_embeddings if n_rows is None else n_rows
    keep = torch.ones(n, dtype=torch.bool, device=embedding.weight.device)
    keep[rows[rows < n]] = False
    if not bool(keep.any()):
        return
    embedding.weight[rows] = embedding.weight[:n][keep].mean(dim=0)


def untrained_users(n_users: int, triplet_users: torch.Tensor) -> torch.Tensor:
    """The user indices in ``[0, n_users)`` that occur in no training triplet."""
    seen = torch.zeros(n_users, dtype=torch.bool)
    seen[triplet_users.long().cpu()] = True
    return torch.nonzero(~seen).flatten()
