"""VBPR and BPR users with no training triplet score as the unknown user.

A user who appears in the data (as a follower, followee or test user) but in no training
triplet keeps the embedding row it was initialised with: random numbers that never saw a
gradient. VBPR and BPR zero those rows after training, the parameters of their unknown user, so
such a user's score falls back to the item and visual biases (what Cornac does for a user it
never saw) and a served model scores them deterministically. On the ``demo`` world 539 of 2,000
users have no AMNL-protocol training triplet (295 of the 1,525 test users, 8 % of test rows).

AMNL, AMNL+ and CITING keep their random rows: measured on ``demo`` (80 %, docs/BENCHMARKS.md),
giving AMNL's untrained users the trained users' mean vector (its unknown-user rule) lowered
its AUC from 0.735 to 0.698, zero vectors to 0.701, the mean for test users only to 0.711.
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


def untrained_users(n_users: int, triplet_users: torch.Tensor) -> torch.Tensor:
    """The user indices in ``[0, n_users)`` that occur in no training triplet."""
    seen = torch.zeros(n_users, dtype=torch.bool)
    seen[triplet_users.long().cpu()] = True
    return torch.nonzero(~seen).flatten()
