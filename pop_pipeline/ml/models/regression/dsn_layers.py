"""The building blocks of DSN (paper 004 §3.3–3.5), each a small ``nn.Module``.

- :class:`ResidualAdapter`: the visual-language adapter of eq. 3–5.
- :class:`GatedLinearUnit`: the GLU gate of eq. 7 (two inputs) and its one-input form
  (eq. 12, 14).
- :class:`HCELayer` and :class:`HierarchicalCategoryEmbedding`: eq. 6–9.
- :class:`GatedResidualNetwork`: the GRN of eq. 14–16.
- :class:`TargetAttention`: the multi-head attention of eq. 17–19, the target post querying the
  posts before it.

:mod:`pop_pipeline.ml.models.regression.dsn` assembles them; the module docstring there says where
we
depart from the paper.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from pop_pipeline.ml.models.regression.sequence_masking import masked_softmax


class ResidualAdapter(nn.Module):
    """Eq. 3: ``A(x) = (1 − ratio) · ReLU(Conv_3(x)) + ratio · Conv_1(x)`` over a post sequence.

    The sequence ``x [B, L, D_in]`` is laid out as a 1-D signal along the ``L`` posts with the
    ``D_in`` CLIP dimensions as channels, so both convolutions downscale ``D_in → D_out`` as the
    paper says each does: ``Conv_3`` reads each post and its two neighbours (kernel 3, zero
    padding 1, so the sequence keeps its length), ``Conv_1`` each post alone (kernel 1, a
    per-post linear map). Padded posts are zeroed first, so a real post next to padding sees the
    same zeros as a post at the edge of the window.

    Args:
        in_dim: CLIP embedding width ``d_origin``.
        out_dim: ``d_hidden``.
        ratio: the residual ratio (α for images, β for text), in ``[0, 1]``.
    """

    def __init__(self, in_dim: int, out_dim: int, ratio: float) -> None:
        super().__init__()
        self.ratio = ratio
        self.adapted = nn.Conv1d(in_dim, out_dim, kernel_size=3, padding=1)  # Conv_3×3
        self.kept = nn.Conv1d(in_dim, out_dim, kernel_size=1)  # Conv_1×1

    def forward(self, sequence: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``[B, L, D_in]`` and its mask ``[B, L]`` → ``[B, L, D_out]``."""
        channels = (sequence * mask.unsqueeze(-1).to(sequence.dtype)).transpose(1, 2)
        adapted = torch.relu(self.adapted(channels))
        mixed = (1.0 - self.ratio) * adapted + self.ratio * self.kept(channels)
        return mixed.transpose(1, 2)


class GatedLinearUnit(nn.Module):
    """Eq. 7: ``Gate(x, y) = (x W_1 + b_1) ⊙ σ(x W_2 + y W_3 + b_2)``; without ``y`` the one-input
    gate of eq. 12 and 14, ``(x W_1 + b_1) ⊙ σ(x W_2 + b_2)``.

    Args:
        dim: width of ``x`` and of the output (``d_hidden``).
        context_dim: width of ``y``; ``None`` for the one-input gate.
    """

    def __init__(self, dim: int, context_dim: int | None = None) -> None:
        super().__init__()
        self.value = nn.Linear(dim, dim)  # W_1, b_1
        self.gate = nn.Linear(dim, dim)  # W_2, b_2
        self.context = (
            nn.Linear(context_dim, dim, bias=False) if context_dim is not None else None
        )  # W_3

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """``Gate(x, y)``, of ``x``'s shape."""
        logits = self.gate(x)
        if self.context is not None:
            if y is None:
                raise ValueError("this gate takes a second input y")
            logits = logits + self.context(y)
        return self.value(x) * torch.sigmoid(logits)


class HCELayer(nn.Module):
    """One HCE layer, eq. 8–9: ``f^{k*} = [f^k ‖ Gate_k(f^{k−1*}, f^k)] W_k``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.gate = GatedLinearUnit(dim, context_dim=dim)  # Gate_k, eq. 8
        self.combine = nn.Linear(2 * dim, dim, bias=False)  # W_k, eq. 9

    def forward(self, previous: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
        """``f^{k−1*}`` and ``f^k`` (``[…, d]``) → ``f^{k*}`` (``[…, d]``)."""
        return self.combine(torch.cat([current, self.gate(previous, current)], dim=-1))


class HierarchicalCategoryEmbedding(nn.Module):
    """Eq. 6–9 over the category levels, coarse to fine; ids ``[…, K]`` → ``f_c [… , d]``.

    Level 1 has no coarser level to gate, so ``f^{1*} = f^1`` (its embedding), and one HCE layer
    per finer level ``k = 2 … K`` combines it with ``f^{k−1*}``; ``f_c = f^{K*}``.

    Args:
        vocab_sizes: ids per level, coarse to fine (index 0 = unknown, a learned row).
        dim: ``d_hidden``.
    """

    def __init__(self, vocab_sizes: tuple[int, ...], dim: int) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(size, dim) for size in vocab_sizes)
        self.layers = nn.ModuleList(HCELayer(dim) for _ in vocab_sizes[1:])

    def forward(self, category_ids: torch.Tensor) -> torch.Tensor:
        """``[…, K]`` long → ``[…, d]``."""
        hierarchical = self.embeddings[0](category_ids[..., 0])
        for level, layer in enumerate(self.layers, start=1):
            hierarchical = layer(hierarchical, self.embeddings[level](category_ids[..., level]))
        return hierarchical


class GatedResidualNetwork(nn.Module):
    """Eq. 14–16: ``GRN(x) = LayerNorm(x + Gate(η_1))``, ``η_1 = W_1 η_2 + b_1``,
    ``η_2 = ELU(W_2 x + b_2)``; dropout on ``η_1`` before the gate (as in the Temporal Fusion
    Transformer the paper follows)."""

    def __init__(self, dim: int, dropout: float) -> None:
        super().__init__()
        self.inner = nn.Linear(dim, dim)  # W_2, b_2
        self.outer = nn.Linear(dim, dim)  # W_1, b_1
        self.dropout = nn.Dropout(dropout)
        self.gate = GatedLinearUnit(dim)  # Gate_θ
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[…, d]`` → ``[…, d]``."""
        eta = self.outer(torch.nn.functional.elu(self.inner(x)))
        return self.norm(x + self.gate(self.dropout(eta)))


class TargetAttention(nn.Module):
    """Eq. 17–19 with ``n_heads`` heads: the target post queries the posts before it.

    ``q = Φ_l W^Q``, ``K = Φ_{1:l−1} W^K``, ``V = Φ_{1:l−1} W^V``; each head attends with
    ``softmax(q_h K_hᵀ / √d_head) V_h`` over the real earlier posts; the heads are concatenated and
    mixed by ``W^O`` as in multi-head attention [31]. Without any real earlier post (``l = 1``, or
    a target with nothing before it) ``h = 0``.
    """

    def __init__(self, dim: int, n_heads: int) -> None:
        super().__init__()
        if dim % n_heads:
            raise ValueError(f"hidden width {dim} is not a multiple of {n_heads} heads")
        self.n_heads = n_heads
        self.query = nn.Linear(dim, dim, bias=False)  # W^Q
        self.key = nn.Linear(dim, dim, bias=False)  # W^K
        self.value = nn.Linear(dim, dim, bias=False)  # W^V
        self.output = nn.Linear(dim, dim, bias=False)  # W^O

    def forward(
        self, target: torch.Tensor, context: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``Φ_l [B, d]``, ``Φ_{1:l−1} [B, N, d]``, mask ``[B, N]`` → (``h [B, d]``, weights
        ``[B, n_heads, N]``)."""
        batch, n_context, dim = context.shape
        head_dim = dim // self.n_heads
        query = self.query(target).view(batch, self.n_heads, 1, head_dim)
        keys = self.key(context).view(batch, n_context, self.n_heads, head_dim).transpose(1, 2)
        values = self.value(context).view(batch, n_context, self.n_heads, head_dim).transpose(1, 2)
        scores = (query @ keys.transpose(-1, -2)).squeeze(2) / math.sqrt(head_dim)
        weights = masked_softmax(scores, mask.unsqueeze(1))  # [B, heads, N]
        attended = (weights.unsqueeze(2) @ values).squeeze(2).reshape(batch, dim)
        return self.output(attended), weights
