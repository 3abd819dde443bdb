import math

import pytest
import torch

from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.training.pairwise import train_pairwise


def toy_bpr(reg: float = 0.01) -> BPR:
    model = BPR(BPRConfig(n_users=1, n_items=2, embedding_dim=2, reg=reg))
    with torch.no_grad():
        model.user_factors.weight[0] = torch.tensor([1.0, 2.0])
        model.item_factors.weight[0] = torch.tensor([0.5, 0.0])
        model.item_factors.weight[1] = torch.tensor([0.0, 0.25])
        model.item_bias.weight[:2, 0] = torch.tensor([0.1, -0.2])
    return model


def test_score_shape_and_hand_value():
    model = toy_bpr()
    scores = model.score(torch.tensor([0, 0]), torch.tensor([0, 1]))
    assert scores.shape == (2,)
    # x_u0 = 0.1 + 1*0.5 + 2*0 = 0.6 ; x_u1 = -0.2 + 1*0 + 2*0.25 = 0.3
    assert scores.tolist() == pytest.approx([0.6, 0.3])


def test_loss_matches_hand_value():
    model = toy_bpr(reg=0.01)
    loss = model.calculate_loss(torch.tensor([0]), torch.tensor([0]), torch.tensor([1]))
    bpr = -math.log(1 / (1 + math.exp(-(0.6 - 0.3))))
    squared_norms = (1 + 4) + 0.25 + 0.0625 + 0.1**2 + 0.2**2
    assert loss.item() == pytest.approx(bpr + 0.01 * squared_norms, abs=1e-6)


def test_cold_item_scores_zero_and_unknown_user_scores_item_bias():
    model = toy_bpr()
    assert model.cold_item_index == 2 and model.unknown_user_index == 1
    assert model.score(torch.tensor([0, 1]), torch.tensor([2, 2])).tolist() == [0.0, 0.0]
    assert model.score(torch.tensor([1, 1]), torch.tensor([0, 1])).tolist() == pytest.approx(
        [0.1, -0.2]
    )
    with pytest.raises(ValueError):
        model.score(torch.tensor([0]), torch.tensor([3]))


def test_trains_on_toy_and_cold_item_stays_zero():
    n_users, n_items = 10, 20
    users = torch.arange(n_users).repeat_interleave(5)
    # users 0-4 like items 0-4, users 5-9 like items 10-14; negatives from the other block
    offset = torch.where(users < 5, 0, 10)
    pos = offset + torch.arange(5).repeat(n_users)
    neg = (offset + 10) % 20 + torch.arange(5).repeat(n_users)
    torch.manual_seed(0)
    model = BPR(BPRConfig(n_users=n_users, n_items=n_items, embedding_dim=8, reg=1e-4))
    losses = train_pairwise(
        model, (users, pos, neg), epochs=60, batch_size=10, optimizer="adam", lr=0.05, seed=1
    )
    assert losses[-1] < 0.2 * losses[0]
    with torch.no_grad():
        assert (model.score(users, pos) > model.score(users, neg)).all()
        cold = torch.full((n_users,), model.cold_item_index)
        assert model.score(torch.arange(n_users), cold).abs().max().item() == 0.0
