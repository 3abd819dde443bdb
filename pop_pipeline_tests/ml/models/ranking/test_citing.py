import math

import pytest
import torch

from pop_pipeline.ml.models.ranking.citing import Citing, CitingConfig
from pop_pipeline.ml.training.batches import FeatureLookupTriplets
from pop_pipeline.ml.training.pairwise import train_pairwise

# item i: f = (0.5, 0), y = (1);  item j: f = (0, 1), y = (0)
POS_IMAGE, POS_TEXT = torch.tensor([[0.5, 0.0]]), torch.tensor([[1.0]])
NEG_IMAGE, NEG_TEXT = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0]])


def toy_citing(**overrides) -> Citing:
    config = {"n_users": 2, "image_dim": 2, "text_dim": 1, "embedding_dim": 2, **overrides}
    model = Citing(CitingConfig(**config))
    with torch.no_grad():
        model.user_preferences.weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 0.0]]))
        if model.image_map is not None:
            model.image_map.weight.copy_(torch.eye(2))  # W_v
        if model.text_map is not None:
            model.text_map.weight.copy_(torch.tensor([[1.0], [-1.0]]))  # W_t
    return model


def test_item_vector_and_score_by_hand():
    model = toy_citing()
    # q_i = W_v f + W_t y = (0.5, 0) + (1, −1) = (1.5, −1);  q_j = (0, 1) + (0, 0) = (0, 1)
    items = model.item_vectors(torch.cat([POS_IMAGE, NEG_IMAGE]), torch.cat([POS_TEXT, NEG_TEXT]))
    assert items.tolist() == [[1.5, -1.0], [0.0, 1.0]]
    scores = model.score(
        torch.tensor([0, 0, 1]),
        torch.cat([POS_IMAGE, NEG_IMAGE, POS_IMAGE]),
        torch.cat([POS_TEXT, NEG_TEXT, POS_TEXT]),
    )
    assert scores.shape == (3,)
    assert scores.tolist() == pytest.approx([-0.5, 2.0, -1.5])  # p_0ᵀq_i, p_0ᵀq_j, p_1ᵀq_i


def test_bpr_loss_matches_hand_value():
    model = toy_citing(reg=0.01, reg_content=0.1)
    loss = model.calculate_loss(torch.tensor([0]), POS_IMAGE, POS_TEXT, NEG_IMAGE, NEG_TEXT)
    bpr = math.log(1 + math.exp(2.0 - (-0.5)))  # −log σ(x_ui − x_uj), x_ui = −0.5, x_uj = 2
    user_terms = 0.01 * 5.0  # ‖p_0‖²
    content_terms = 0.1 * (2.0 + 2.0)  # ‖W_v‖² + ‖W_t‖²
    assert loss.item() == pytest.approx(bpr + user_terms + content_terms, abs=1e-6)


def test_single_modality_and_unknown_user():
    model = toy_citing(modalities=("image",))
    assert model.text_map is None
    assert model.score(torch.tensor([0]), POS_IMAGE, None).tolist() == pytest.approx([0.5])
    # unknown user = mean of (1, 2) and (−1, 0) = (0, 1)
    model = toy_citing()
    unknown = torch.tensor([model.unknown_user_index] * 2)
    scores = model.score(
        unknown, torch.cat([POS_IMAGE, NEG_IMAGE]), torch.cat([POS_TEXT, NEG_TEXT])
    )
    assert scores.tolist() == pytest.approx([-1.0, 1.0])
    with pytest.raises(ValueError):
        model.calculate_loss(unknown[:1], POS_IMAGE, POS_TEXT, NEG_IMAGE, NEG_TEXT)
    with pytest.raises(ValueError, match="text"):
        model.item_vectors(POS_IMAGE, None)


def test_trains_and_scores_unseen_tweets_by_content():
    generator = torch.Generator().manual_seed(0)
    n_users, n_tweets = 10, 30
    kind = torch.arange(n_tweets) % 2
    image = torch.eye(2)[kind] + 0.2 * torch.randn(n_tweets, 2, generator=generator)
    text = torch.eye(2)[kind].flip(1) + 0.2 * torch.randn(n_tweets, 2, generator=generator)
    users = torch.arange(n_users).repeat_interleave(8)
    taste = (users >= 5).long()
    pos = taste + 2 * torch.randint(0, 15, (len(users),), generator=generator)
    neg = (1 - taste) + 2 * torch.randint(0, 15, (len(users),), generator=generator)
    triplets = FeatureLookupTriplets(users, pos, neg, image, text)
    torch.manual_seed(0)
    model = Citing(CitingConfig(n_users=n_users, image_dim=2, text_dim=2, embedding_dim=4))
    losses = train_pairwise(
        model, triplets, epochs=40, batch_size=16, optimizer="adam", lr=0.05, seed=1
    )
    assert losses[-1] < 0.3 * losses[0]
    with torch.no_grad():  # two tweets never seen in training, one of each kind
        new_image, new_text = (
            torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
            torch.tensor([[0.0, 1.0], [1.0, 0.0]]),
        )
        for user, liked in ((0, 0), (9, 1)):
            scores = model.score(torch.tensor([user, user]), new_image, new_text)
            assert scores[liked] > scores[1 - liked]
