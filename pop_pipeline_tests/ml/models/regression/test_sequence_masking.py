"""The masking helpers of the sequence models on hand-computed values."""

import math

import torch

from pop_pipeline.ml.models.regression.sequence_masking import (
    masked_mean,
    masked_softmax,
    run_real_first,
)


def test_masked_softmax_normalises_over_real_positions_only() -> None:
    # Scores (1, 2, 3) with the middle one masked: e^1 / (e^1 + e^3) = 1 / (1 + e^2) = 0.119203,
    # e^3 / (e^1 + e^3) = 0.880797, and 0 for the masked one. A row without real positions
    # gets zeros.
    scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    mask = torch.tensor([[True, False, True], [False, False, False]])
    first = 1.0 / (1.0 + math.exp(2.0))
    expected = torch.tensor([[first, 0.0, 1.0 - first], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(masked_softmax(scores, mask), expected)


def test_masked_softmax_of_an_empty_row_has_finite_gradients() -> None:
    scores = torch.tensor([[0.5, -0.5]], requires_grad=True)
    masked_softmax(scores, torch.zeros(1, 2, dtype=torch.bool)).sum().backward()
    assert scores.grad is not None and torch.isfinite(scores.grad).all()


def test_masked_mean() -> None:
    # Row 0: mean of (1, 2) and (3, 6) = (2, 4); row 1: no real position → (0, 0).
    values = torch.tensor([[[1.0, 2.0], [9.0, 9.0], [3.0, 6.0]], [[5.0, 5.0]] * 3])
    mask = torch.tensor([[True, False, True], [False, False, False]])
    torch.testing.assert_close(masked_mean(values, mask), torch.tensor([[2.0, 4.0], [0.0, 0.0]]))


def test_run_real_first_feeds_a_causal_module_only_the_real_positions() -> None:
    # A running sum is causal. Left-padded (junk 100, then 1, 2, 3) its outputs at the real
    # positions are 1, 3, 6, as for the unpadded sequence; interleaved padding too.
    def running_sum(x: torch.Tensor) -> torch.Tensor:
        return x.cumsum(dim=1)

    values = torch.tensor([[[100.0], [1.0], [2.0], [3.0]], [[1.0], [100.0], [2.0], [3.0]]])
    mask = torch.tensor([[False, True, True, True], [True, False, True, True]])
    out = run_real_first(running_sum, values, mask)
    torch.testing.assert_close(out[0, 1:, 0], torch.tensor([1.0, 3.0, 6.0]))
    torch.testing.assert_close(out[1, [0, 2, 3], 0], torch.tensor([1.0, 3.0, 6.0]))
