"""Masking helpers shared by the sequence models of the popularity regression (UHAN, DSN).

Two operations recur wherever a padded sequence meets attention or an LSTM:

- :func:`masked_softmax`: a softmax over the real positions only; a row with no real position
  gets all-zero weights (so its attended vector is the zero vector), never NaN, and its
  gradients stay finite.
- :func:`run_real_first`: runs a causal sequence module (an LSTM) over the real positions
  only, whatever the padding (left, right or interleaved): the real positions are moved to the
  front in their order, the module runs, and its outputs go back to the original positions. A
  causal module's output at a real position then depends on the real positions before it and
  nothing else; outputs at padded positions are meaningless and must be masked by the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``softmax(scores)`` over the positions where ``mask`` is True, zero elsewhere.

    Args:
        scores: float tensor of attention scores.
        mask: bool tensor broadcastable to ``scores``, True at real positions.
        dim: the dimension normalised over.

    Returns:
        Weights of ``scores``'s shape summing to 1 along ``dim`` where any position is real,
        all zero where none is.
    """
    lowest = torch.finfo(scores.dtype).min
    weights = torch.softmax(scores.masked_fill(~mask, lowest), dim=dim)
    return weights * mask.to(weights.dtype)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean of ``values [B, N, D]`` over the ``N`` positions where ``mask [B, N]`` is True.

    A row without real positions gets the zero vector.
    """
    weights = mask.to(values.dtype).unsqueeze(-1)
    return (values * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def run_real_first(
    module: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Apply a causal sequence ``module`` to the real positions of ``inputs [B, N, D]`` only.

    Args:
        module: maps ``[B, N, D]`` to ``[B, N, H]`` causally (the output at ``n`` reads only
            positions ``≤ n``), e.g. a batch-first LSTM returning its output sequence.
        inputs: the padded sequences.
        mask: bool ``[B, N]``, True at real positions.

    Returns:
        ``[B, N, H]``: at each real position, the module's output after the real positions
        up to it; at padded positions, unspecified values the caller must mask.
    """
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)  # real positions first
    restore = torch.argsort(order, dim=1)
    packed = torch.gather(inputs, 1, order.unsqueeze(-1).expand_as(inputs))
    outputs = module(packed)
    return torch.gather(outputs, 1, restore.unsqueeze(-1).expand(-1, -1, outputs.shape[-1]))
