import math

import pytest
import torch

from pop_pipeline.ml.models.ranking.losses import BPRLoss, MarginRankingHingeLoss


def test_hinge_hand_values():
    pos = torch.tensor([1.0, 0.2, 0.0])
    neg = torch.tensor([0.0, 0.5, 0.5])
    per_triplet = MarginRankingHingeLoss(0.6, reduction="none")(pos, neg)
    # max(0, 0.6 + neg - pos): [0, 0.9, 1.1]
    assert per_triplet.tolist() == pytest.approx([0.0, 0.9, 1.1])
    assert MarginRankingHingeLoss(margin=0.6)(pos, neg).item() == pytest.approx(2.0 / 3)
    assert MarginRankingHingeLoss(0.6, reduction="sum")(pos, neg).item() == pytest.approx(2.0)


def test_bpr_loss_hand_value_and_stability():
    pos, neg = torch.tensor([2.0, -1.0]), torch.tensor([1.0, 1.0])
    expected = (math.log1p(math.exp(-1.0)) + math.log1p(math.exp(2.0))) / 2
    assert BPRLoss()(pos, neg).item() == pytest.approx(expected)
    assert math.isfinite(BPRLoss()(torch.tensor([-1e4]), torch.tensor([1e4])).item())
