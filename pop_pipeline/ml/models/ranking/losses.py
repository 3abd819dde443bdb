"""Pairwise ranking losses, as ``nn.Module``s.

- :class:`MarginRankingHingeLoss` — AMNL's attentional multi-faceted ranking loss
  (paper 000, §II-B): ``L = max(0, c + F⁻ − F⁺)``.
- :class:`BPRLoss` — Bayesian personalised ranking (Rendle et al., UAI 2009, eq. BPR-Opt
  without its prior term): ``L = −log σ(x⁺ − x⁻)``.

Both take the scores of the positive and of the negative item of each triplet (same shape) and
reduce with the mean by default. The paper sums over all triplets; the mean only rescales the
learning rate and keeps the loss comparable across batch sizes. Regularisation terms are not
part of these losses: models add them (BPR) or the optimiser's weight decay does (AMNL).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Reduction = Literal["mean", "sum", "none"]


def _reduce(values: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    if reduction == "none":
        return values
    raise ValueError(f"unknown reduction {reduction!r}")


class MarginRankingHingeLoss(nn.Module):
    """Hinge on the score margin: ``L = max(0, c + F⁻ − F⁺)`` (AMNL, paper 000 §II-B).

    Args:
        margin: the margin ``c`` (the paper requires ``0 < c < 1``; its best value is the
            default of ``AMNLConfig.margin``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` over the triplets.
    """

    def __init__(self, margin: float, reduction: Reduction = "mean") -> None:
        super().__init__()
        if margin < 0:
            raise ValueError(f"margin must be non-negative, got {margin}")
        self.margin = float(margin)
        self.reduction: Reduction = reduction

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        hinge = torch.clamp(self.margin + neg_scores - pos_scores, min=0.0)
        return _reduce(hinge, self.reduction)


class BPRLoss(nn.Module):
    """Bayesian personalised ranking loss: ``L = −log σ(x⁺ − x⁻)`` (Rendle et al. 2009).

    Computed with ``logsigmoid`` so large negative margins do not overflow.
    """

    def __init__(self, reduction: Reduction = "mean") -> None:
        super().__init__()
        self.reduction: Reduction = reduction

    def forward(self, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
        return _reduce(-F.logsigmoid(pos_scores - neg_scores), self.reduction)
