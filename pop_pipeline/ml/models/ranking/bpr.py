"""BPR-MF: matrix factorisation trained with Bayesian personalised ranking.

Rendle, Freudenthaler, Gantner, Schmidt-Thieme, "BPR: Bayesian Personalized Ranking from
Implicit Feedback", UAI 2009, §4 (BPR-Opt) and §5.1 (matrix factorisation).

- score  ``x_ui = b_i + w_uᵀ h_i``
- loss per triplet ``(u, i, j)``:
  ``−log σ(x_ui − x_uj) + λ (‖w_u‖² + ‖h_i‖² + ‖h_j‖² + b_i² + b_j²)``

The batch loss is the mean over triplets of both terms. Departures and conventions:

- The item bias ``b_i`` is not in Rendle's MF model; it is common practice (and VBPR's β_i) and
  lets the cold-user fallback below rank by learned item popularity.
- One ``λ`` (``reg``) for users, items and biases; Rendle allows one per parameter group.
- Cold items: index ``n_items`` (:attr:`BPR.cold_item_index`) has a zero vector and zero bias
  that never train, so it scores exactly 0 for every user. Pass it for tweets unseen in training.
- Unknown users: index ``n_users`` (:attr:`BPR.unknown_user_index`) has a zero vector, so it
  scores ``x_ui = b_i``, the item's learned bias.
- The model never samples negatives; a sampler supplies ``(users, pos_items, neg_items)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.models.ranking.cold_users import zero_rows
from pop_pipeline.ml.models.ranking.losses import BPRLoss


@dataclass(frozen=True)
class BPRConfig:
    """Hyperparameters of :class:`BPR`."""

    n_users: int  # known users 0..n_users-1; index n_users is the unknown user
    n_items: int  # known items 0..n_items-1; index n_items is the cold item
    embedding_dim: int = 64  # latent factors per user and item
    reg: float = 1e-4  # λ on the embeddings and biases in the batch
    init_std: float = 0.1  # std of the zero-mean Gaussian initialisation

    def __post_init__(self) -> None:
        if self.n_users < 1 or self.n_items < 1:
            raise ValueError("n_users and n_items must be at least 1")


class BPR(nn.Module):
    """BPR matrix factorisation with item bias; see the module docstring."""

    def __init__(self, config: BPRConfig) -> None:
        super().__init__()
        self.config = config
        n_users, n_items, d = config.n_users, config.n_items, config.embedding_dim
        self.user_factors = nn.Embedding(n_users + 1, d, padding_idx=n_users)
        self.item_factors = nn.Embedding(n_items + 1, d, padding_idx=n_items)
        self.item_bias = nn.Embedding(n_items + 1, 1, padding_idx=n_items)
        nn.init.normal_(self.user_factors.weight, std=config.init_std)
        nn.init.normal_(self.item_factors.weight, std=config.init_std)
        nn.init.zeros_(self.item_bias.weight)
        with torch.no_grad():  # padding rows must start (and stay) at zero
            self.user_factors.weight[n_users].zero_()
            self.item_factors.weight[n_items].zero_()
        self.loss = BPRLoss()

    @property
    def unknown_user_index(self) -> int:
        """User index with a zero vector: scores each item by its bias."""
        return self.config.n_users

    @property
    def cold_item_index(self) -> int:
        """Item index with zero vector and bias: scores 0 for every user."""
        return self.config.n_items

    def reset_untrained_users(self, users: torch.Tensor) -> None:
        """Give ``users`` (no training triplet) the unknown user's zero vector."""
        zero_rows(self.user_factors, users)

    def score(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """``x_ui = b_i + w_uᵀ h_i`` per row, shape ``[B]``."""
        self._check(users, self.config.n_users, "user")
        self._check(items, self.config.n_items, "item")
        return self.item_bias(items).squeeze(-1) + (
            self.user_factors(users) * self.item_factors(items)
        ).sum(-1)

    forward = score

    def calculate_loss(
        self, users: torch.Tensor, pos_items: torch.Tensor, neg_items: torch.Tensor
    ) -> torch.Tensor:
        """Mean of ``−log σ(x_ui − x_uj)`` plus ``λ`` times the mean squared norms in the batch."""
        pos = self.score(users, pos_items)
        neg = self.score(users, neg_items)
        squared_norms = (
            self.user_factors(users).pow(2).sum(-1)
            + self.item_factors(pos_items).pow(2).sum(-1)
            + self.item_factors(neg_items).pow(2).sum(-1)
            + self.item_bias(pos_items).squeeze(-1).pow(2)
            + self.item_bias(neg_items).squeeze(-1).pow(2)
        )
        return self.loss(pos, neg) + self.config.reg * squared_norms.mean()

    @staticmethod
    def _check(indices: torch.Tensor, n_known: int, what: str) -> None:
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) > n_known):
            raise ValueError(f"{what} indices must lie in [0, {n_known}] ({n_known} = unseen)")
