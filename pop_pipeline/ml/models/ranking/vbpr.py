"""VBPR: visual Bayesian personalised ranking.

He and McAuley, "VBPR: Visual Bayesian Personalized Ranking from Implicit Feedback", AAAI 2016,
§3 (eqs. 1–2 and the BPR criterion of §3.2). Paper 000 (AMNL) compares against it (Tables I–III)
with "the visual representation of image tweets as the side information".

- score ``x̂_ui = α + β_u + β_i + γ_uᵀγ_i + θ_uᵀ(E f_i) + β'ᵀ f_i``
- loss per triplet ``(u, i, j)``: ``−log σ(x̂_ui − x̂_uj)`` plus L2 terms

``α`` and ``β_u`` are the same for both items of a pair, so they cancel in ``x̂_ui − x̂_uj`` and
receive no gradient under BPR: they are not parameters here. ``f_i`` is the CLIP image embedding
of tweet ``i`` (the paper: a 4,096-d Caffe reference-network feature), ``E`` a learned
``K' × F`` projection, ``θ_u`` the user's visual preference and ``β'`` a global visual bias.

Regularisation: ``reg`` (λ_Θ) times the batch mean of ``‖γ_u‖² + ‖θ_u‖² + ‖γ_i‖² + ‖γ_j‖² +
β_i² + β_j²``, and ``reg_visual`` (λ_E) times ``‖E‖² + ‖β'‖²`` once per batch. The paper uses
one λ_Θ for the user/item parameters and a separate λ_E for ``E``; Cornac's VBPR example runs
with λ_E = 0, our default too.

Cold start (new tweets at test time have no ``γ_i``, ``β_i``):

- Unseen item: index ``n_items`` (:attr:`VBPR.cold_item_index`) has ``γ_i = 0`` and ``β_i = 0``
  (padding rows that never train), so it scores ``θ_uᵀ(E f_i) + β'ᵀ f_i``: its visual part only,
  the reason VBPR has a visual term (the paper reports a separate cold-start setting).
- Unknown user: index ``n_users`` (:attr:`VBPR.unknown_user_index`) has ``γ_u = θ_u = 0``, so it
  scores ``β_i + β'ᵀ f_i``, the item's learned popularity plus the visual bias.
- The model never samples negatives; a sampler supplies ``(users, pos_items, neg_items)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.models.ranking.cold_users import zero_rows
from pop_pipeline.ml.models.ranking.losses import BPRLoss


@dataclass(frozen=True)
class VBPRConfig:
    """Hyperparameters of :class:`VBPR`."""

    n_users: int  # known users 0..n_users-1; index n_users is the unknown user
    n_items: int  # known items 0..n_items-1; index n_items is the cold (unseen) item
    visual_dim: int  # F, dimension of the visual feature f_i (the CLIP image embedding)
    embedding_dim: int = 32  # K, latent factors γ_u, γ_i
    visual_embedding_dim: int = 32  # K', visual factors θ_u and rows of E
    reg: float = 1e-4  # λ_Θ on γ, θ_u and β_i of the batch
    reg_visual: float = 0.0  # λ_E on E and β'
    init_std: float = 0.1  # std of the zero-mean Gaussian initialisation

    def __post_init__(self) -> None:
        if self.n_users < 1 or self.n_items < 1 or self.visual_dim < 1:
            raise ValueError("n_users, n_items and visual_dim must be at least 1")


class VBPR(nn.Module):
    """VBPR with a cold-item slot and an unknown-user slot; see the module docstring."""

    def __init__(self, config: VBPRConfig) -> None:
        super().__init__()
        self.config = config
        n_users, n_items = config.n_users, config.n_items
        k, k_visual = config.embedding_dim, config.visual_embedding_dim
        self.user_factors = nn.Embedding(n_users + 1, k, padding_idx=n_users)  # γ_u
        self.user_visual_factors = nn.Embedding(n_users + 1, k_visual, padding_idx=n_users)  # θ_u
        self.item_factors = nn.Embedding(n_items + 1, k, padding_idx=n_items)  # γ_i
        self.item_bias = nn.Embedding(n_items + 1, 1, padding_idx=n_items)  # β_i
        self.visual_projection = nn.Linear(config.visual_dim, k_visual, bias=False)  # E
        self.visual_bias = nn.Linear(config.visual_dim, 1, bias=False)  # β'
        for table in (self.user_factors, self.user_visual_factors, self.item_factors):
            nn.init.normal_(table.weight, std=config.init_std)
        nn.init.normal_(self.visual_projection.weight, std=config.init_std)
        nn.init.zeros_(self.item_bias.weight)
        nn.init.zeros_(self.visual_bias.weight)
        with torch.no_grad():  # padding rows start (and stay) at zero
            self.user_factors.weight[n_users].zero_()
            self.user_visual_factors.weight[n_users].zero_()
            self.item_factors.weight[n_items].zero_()
        self.loss = BPRLoss()

    @property
    def unknown_user_index(self) -> int:
        """User index with ``γ_u = θ_u = 0``: scores ``β_i + β'ᵀ f_i``."""
        return self.config.n_users

    @property
    def cold_item_index(self) -> int:
        """Item index with ``γ_i = 0, β_i = 0``: scores through its visual part only."""
        return self.config.n_items

    def reset_untrained_users(self, users: torch.Tensor) -> None:
        """Give ``users`` (no training triplet) the unknown user's zero ``γ_u`` and ``θ_u``."""
        zero_rows(self.user_factors, users)
        zero_rows(self.user_visual_factors, users)

    def score(self, users: torch.Tensor, items: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        """``β_i + γ_uᵀγ_i + θ_uᵀ(E f_i) + β'ᵀ f_i`` per row, shape ``[B]``.

        Args:
            users: LongTensor ``[B]``; ``unknown_user_index`` allowed.
            items: LongTensor ``[B]``; ``cold_item_index`` for tweets unseen in training.
            image: ``[B, visual_dim]`` visual features ``f_i`` of the same rows.
        """
        self._check(users, self.config.n_users, "user")
        self._check(items, self.config.n_items, "item")
        latent = (self.user_factors(users) * self.item_factors(items)).sum(-1)
        visual = (self.user_visual_factors(users) * self.visual_projection(image)).sum(-1)
        biases = self.item_bias(items).squeeze(-1) + self.visual_bias(image).squeeze(-1)
        return biases + latent + visual

    forward = score

    def calculate_loss(
        self,
        users: torch.Tensor,
        pos_items: torch.Tensor,
        neg_items: torch.Tensor,
        pos_image: torch.Tensor,
        neg_image: torch.Tensor,
    ) -> torch.Tensor:
        """Mean ``−log σ(x̂_ui − x̂_uj)`` plus the L2 terms of the module docstring."""
        pos = self.score(users, pos_items, pos_image)
        neg = self.score(users, neg_items, neg_image)
        squared_norms = (
            self.user_factors(users).pow(2).sum(-1)
            + self.user_visual_factors(users).pow(2).sum(-1)
            + self.item_factors(pos_items).pow(2).sum(-1)
            + self.item_factors(neg_items).pow(2).sum(-1)
            + self.item_bias(pos_items).squeeze(-1).pow(2)
            + self.item_bias(neg_items).squeeze(-1).pow(2)
        )
        loss = self.loss(pos, neg) + self.config.reg * squared_norms.mean()
        if self.config.reg_visual:
            visual_norms = self.visual_projection.weight.pow(2).sum()
            loss = loss + self.config.reg_visual * (
                visual_norms + self.visual_bias.weight.pow(2).sum()
            )
        return loss

    @staticmethod
    def _check(indices: torch.Tensor, n_known: int, what: str) -> None:
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) > n_known):
            raise ValueError(f"{what} indices must lie in [0, {n_known}] ({n_known} = unseen)")
