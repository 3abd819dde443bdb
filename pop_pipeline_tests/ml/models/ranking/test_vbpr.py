import math

import pytest
import torch

from pop_pipeline.ml.models.ranking.vbpr import VBPR, VBPRConfig
from pop_pipeline.ml.training.content_batches import VisualItemTriplets
from pop_pipeline.ml.training.pairwise import train_pairwise

F0 = torch.tensor([[1.0, 0.0]])  # visual feature of item 0
F1 = torch.tensor([[0.0, 1.0]])  # visual feature of item 1


def toy_vbpr(reg: float = 0.01, reg_visual: float = 0.1) -> VBPR:
    config = VBPRConfig(
        n_users=1,
        n_items=2,
        visual_dim=2,
        embedding_dim=2,
        visual_embedding_dim=1,
        reg=reg,
        reg_visual=reg_visual,
    )
    model = VBPR(config)
    with torch.no_grad():
        model.user_factors.weight[0] = torch.tensor([1.0, 2.0])  # γ_u
        model.user_visual_factors.weight[0] = torch.tensor([1.0])  # θ_u
        model.item_factors.weight[0] = torch.tensor([0.5, 0.0])  # γ_0
        model.item_factors.weight[1] = torch.tensor([0.0, 0.25])  # γ_1
        model.item_bias.weight[:2, 0] = torch.tensor([0.1, -0.2])  # β_0, β_1
        model.visual_projection.weight.copy_(torch.tensor([[1.0, -1.0]]))  # E
        model.visual_bias.weight.copy_(torch.tensor([[0.5, 0.0]]))  # β'
    return model


def test_score_shape_and_hand_value():
    model = toy_vbpr()
    scores = model.score(torch.tensor([0, 0]), torch.tensor([0, 1]), torch.cat([F0, F1]))
    assert scores.shape == (2,)
    # x_u0 = 0.1 + (1·0.5 + 2·0) + 1·(1 − 0) + 0.5 = 2.1
    # x_u1 = −0.2 + (1·0 + 2·0.25) + 1·(0 − 1) + 0 = −0.7
    assert scores.tolist() == pytest.approx([2.1, -0.7])


def test_bpr_loss_matches_hand_value():
    model = toy_vbpr(reg=0.01, reg_visual=0.1)
    loss = model.calculate_loss(torch.tensor([0]), torch.tensor([0]), torch.tensor([1]), F0, F1)
    bpr = math.log(1 + math.exp(-(2.1 - (-0.7))))  # −log σ(2.8)
    # ‖γ_u‖² + ‖θ_u‖² + ‖γ_0‖² + ‖γ_1‖² + β_0² + β_1² = 5 + 1 + 0.25 + 0.0625 + 0.01 + 0.04
    theta_terms = 0.01 * 6.3625
    visual_terms = 0.1 * (2.0 + 0.25)  # ‖E‖² + ‖β'‖²
    assert loss.item() == pytest.approx(bpr + theta_terms + visual_terms, abs=1e-6)


def test_unseen_item_scores_through_its_visual_part_and_unknown_user_through_biases():
    model = toy_vbpr()
    assert model.cold_item_index == 2 and model.unknown_user_index == 1
    # cold item with f = F0: θ_uᵀ(E f) + β'ᵀ f = 1 + 0.5; with F1: −1 + 0
    cold = model.score(torch.tensor([0, 0]), torch.tensor([2, 2]), torch.cat([F0, F1]))
    assert cold.tolist() == pytest.approx([1.5, -1.0])
    # unknown user: β_i + β'ᵀ f_i
    unknown = model.score(torch.tensor([1, 1]), torch.tensor([0, 1]), torch.cat([F0, F1]))
    assert unknown.tolist() == pytest.approx([0.6, -0.2])
    with pytest.raises(ValueError):
        model.score(torch.tensor([0]), torch.tensor([3]), F0)


def test_trains_and_ranks_unseen_items_by_their_look():
    """Users 0-4 like items whose image points along x, users 5-9 along y."""
    generator = torch.Generator().manual_seed(0)
    n_users, n_items = 10, 20
    kind = torch.arange(n_items) % 2
    directions = torch.eye(2)
    image = directions[kind] + 0.2 * torch.randn(n_items, 2, generator=generator)
    users = torch.arange(n_users).repeat_interleave(8)
    taste = (users >= 5).long()
    pos = taste + 2 * torch.randint(0, 10, (len(users),), generator=generator)
    neg = (1 - taste) + 2 * torch.randint(0, 10, (len(users),), generator=generator)
    triplets = VisualItemTriplets(users, pos, neg, pos, neg, image)
    torch.manual_seed(0)
    model = VBPR(VBPRConfig(n_users=n_users, n_items=n_items, visual_dim=2, reg=1e-4))
    losses = train_pairwise(
        model, triplets, epochs=40, batch_size=16, optimizer="adam", lr=0.05, seed=1
    )
    assert losses[-1] < 0.3 * losses[0]
    with torch.no_grad():
        new_images = torch.tensor([[1.0, 0.1], [0.1, 1.0]])  # an x-kind and a y-kind new tweet
        cold = torch.full((2,), model.cold_item_index)
        for user, liked in ((0, 0), (9, 1)):
            scores = model.score(torch.tensor([user, user]), cold, new_images)
            assert scores[liked] > scores[1 - liked]
        padding = (model.item_factors.weight[n_items], model.item_bias.weight[n_items])
        assert all(row.abs().max().item() == 0.0 for row in padding)
