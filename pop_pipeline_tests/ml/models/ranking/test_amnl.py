import math

import numpy as np
import pytest
import torch

from pop_pipeline.ml.models.ranking.amnl import AMNL, AMNLConfig, pad_followees, scaled_tanh
from pop_pipeline.ml.training.pairwise import train_pairwise

USERS = [[1.0, 0.5], [0.2, -1.0], [-0.5, 1.0]]
FOLLOWEES = [[1, 2], [2, -1], [-1, -1]]  # user 0 follows 1 and 2; user 1 follows 2; user 2 nobody
IMAGE = [0.3, -0.6]
TEXT = [0.4, 0.2]


def g(x: float) -> float:
    return 1.7159 * math.tanh(2.0 * x / 3.0)


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def toy_model(**overrides) -> AMNL:
    """3 users, 2-d everything, weights set by hand."""
    config = AMNLConfig(
        n_users=3, image_dim=2, text_dim=2, preference_dim=2, attention_dim=2, **overrides
    )
    model = AMNL(config, torch.tensor(FOLLOWEES))
    with torch.no_grad():
        model.user_preferences.weight.copy_(torch.tensor(USERS))
        if model.image_projection is not None:
            model.image_projection.weight.copy_(torch.eye(2))  # W_i
        if model.text_projection is not None:
            model.text_projection.weight.copy_(torch.tensor([[0.5, 0.0], [0.0, -0.5]]))  # W_d
        model.attention_user.weight.copy_(torch.eye(2))  # W_s
        model.attention_followee.weight.copy_(torch.eye(2))  # W_n
        model.attention_followee.bias.copy_(torch.tensor([0.1, -0.1]))  # b
        model.attention_vector.weight.copy_(torch.tensor([[1.0, -1.0]]))  # p
    return model


def hand_z(image=IMAGE, text=TEXT) -> list[float]:
    # W_i f + W_d y = [0.3 + 0.5*0.4, -0.6 - 0.5*0.2] = [0.5, -0.7]
    return [g(image[0] + 0.5 * text[0]), g(image[1] - 0.5 * text[1])]


def hand_scores(z: list[float]) -> list[float]:
    u0, u1, u2 = USERS
    # user 0: s_0q = p·tanh(W_s u_0 + W_n u_q + b), p = [1, -1]
    s01 = math.tanh(1.0 + 0.2 + 0.1) - math.tanh(0.5 - 1.0 - 0.1)
    s02 = math.tanh(1.0 - 0.5 + 0.1) - math.tanh(0.5 + 1.0 - 0.1)
    a01 = math.exp(s01) / (math.exp(s01) + math.exp(s02))
    h0 = a01 * dot(u1, z) + (1 - a01) * dot(u2, z)
    return [
        dot(u0, z) * h0,
        dot(u1, z) * dot(u2, z),  # one followee: α = 1
        dot(u2, z),  # no followee: h = 1
    ]


def batch(users: list[int], image=IMAGE, text=TEXT):
    n = len(users)
    return torch.tensor(users), torch.tensor([image] * n), torch.tensor([text] * n)


def test_scaled_tanh_is_lecun():
    x = torch.tensor([-2.0, 0.0, 1.0])
    expected = [1.7159 * math.tanh(-4 / 3), 0.0, 1.7159 * math.tanh(2 / 3)]
    assert scaled_tanh(x).tolist() == pytest.approx(expected)


def test_joint_representation_matches_hand_value():
    model = toy_model()
    z = model.joint_representation(torch.tensor([IMAGE]), torch.tensor([TEXT]))
    assert z.shape == (1, 2)
    assert z[0].tolist() == pytest.approx(hand_z(), abs=1e-6)


def test_attention_weights_match_hand_softmax():
    model = toy_model()
    alpha = model.attention_weights(torch.tensor([0, 1, 2]))
    s01 = math.tanh(1.3) - math.tanh(-0.6)
    s02 = math.tanh(0.6) - math.tanh(1.4)
    a01 = 1 / (1 + math.exp(s02 - s01))
    expected = [a01, 1 - a01, 1.0, 0.0, 0.0, 0.0]
    assert alpha.reshape(-1).tolist() == pytest.approx(expected, abs=1e-6)


def test_score_matches_hand_computed_multi_faceted_value():
    model = toy_model()
    scores = model.score(*batch([0, 1, 2]))
    assert scores.shape == (3,)
    assert scores.tolist() == pytest.approx(hand_scores(hand_z()), abs=1e-5)


def test_without_social_impact_score_is_personal_ranking():
    model = toy_model(use_social_impact=False)
    z = hand_z()
    assert model.score(*batch([0, 1, 2])).tolist() == pytest.approx(
        [dot(u, z) for u in USERS], abs=1e-5
    )


def test_image_only_modality_ignores_text():
    model = toy_model(modalities=("image",))
    assert model.text_projection is None
    users, image, _ = batch([2])
    z = [g(IMAGE[0]), g(IMAGE[1])]
    assert model.score(users, image, None).tolist() == pytest.approx([dot(USERS[2], z)], abs=1e-5)
    with pytest.raises(ValueError, match="image"):
        model.score(users, None, None)


def test_unknown_user_scores_with_mean_preference_and_no_followees():
    model = toy_model()
    assert model.unknown_user_index == 3
    z = hand_z()
    mean_user = [sum(u[0] for u in USERS) / 3, sum(u[1] for u in USERS) / 3]
    assert model.score(*batch([3])).tolist() == pytest.approx([dot(mean_user, z)], abs=1e-5)
    with pytest.raises(ValueError):
        model.score(*batch([4]))
    with pytest.raises(ValueError):
        model.calculate_loss(torch.tensor([3]), *batch([3])[1:], *batch([3])[1:])


def test_hinge_loss_matches_hand_value():
    model = toy_model(margin=0.6)
    neg_image, neg_text = [-0.2, 0.9], [0.1, -0.3]
    users, pos_i, pos_t = batch([0, 1, 2])
    _, neg_i, neg_t = batch([0, 1, 2], neg_image, neg_text)
    pos = hand_scores(hand_z())
    neg = hand_scores(hand_z(neg_image, neg_text))
    expected = sum(max(0.0, 0.6 + n - p) for p, n in zip(pos, neg, strict=True)) / 3
    assert expected > 0  # the toy must exercise the hinge
    loss = model.calculate_loss(users, pos_i, pos_t, neg_i, neg_t)
    assert loss.item() == pytest.approx(expected, abs=1e-5)


def test_shapes_and_followees_buffer_in_state_dict():
    config = AMNLConfig(n_users=5, image_dim=7, text_dim=3, preference_dim=4, attention_dim=6)
    model = AMNL(config, pad_followees(np.array([0, 0, 1]), np.array([1, 2, 4]), 5))
    scores = model.score(torch.tensor([0, 1, 4, 5]), torch.randn(4, 7), torch.randn(4, 3))
    assert scores.shape == (4,)
    assert model.state_dict()["followees"].shape == (6, 2)  # + the unknown user's empty row


def test_pad_followees_sorts_dedupes_and_drops_self_follows():
    matrix = pad_followees(np.array([2, 0, 0, 2, 1]), np.array([0, 2, 2, 1, 1]), 3)
    assert matrix.tolist() == [[2, -1], [-1, -1], [0, 1]]


def test_rejects_bad_followees():
    config = AMNLConfig(n_users=2, image_dim=2, text_dim=2, preference_dim=2, attention_dim=2)
    with pytest.raises(ValueError):
        AMNL(config, torch.tensor([[1], [2]]))  # user 2 does not exist
    with pytest.raises(ValueError):
        AMNL(config, torch.tensor([[1]]))  # wrong number of rows


def test_trains_to_separate_positives_from_negatives():
    generator = torch.Generator().manual_seed(0)
    n_users, n_tweets, dim = 12, 60, 8
    taste = torch.randn(n_users, dim, generator=generator)
    image = torch.randn(n_tweets, dim, generator=generator)
    text = torch.randn(n_tweets, 4, generator=generator)
    ranked = (taste @ image.T).argsort(dim=1, descending=True)
    users = torch.arange(n_users).repeat_interleave(10)
    pos = ranked[:, :10].reshape(-1)  # each user's 10 favourite tweets ...
    neg = ranked[:, -10:].reshape(-1)  # ... against its 10 least favourite
    follows = np.array([[u, (u + 1) % n_users] for u in range(n_users)] + [[0, 5], [3, 7]])
    config = AMNLConfig(
        n_users=n_users, image_dim=dim, text_dim=4, preference_dim=16, attention_dim=8
    )
    torch.manual_seed(0)
    model = AMNL(config, pad_followees(follows[:, 0], follows[:, 1], n_users))
    losses = train_pairwise(
        model,
        (users, image[pos], text[pos], image[neg], text[neg]),
        epochs=40,
        batch_size=32,
        lr=0.05,
        seed=0,
    )
    assert losses[-1] < 0.3 * losses[0]
    with torch.no_grad():
        correct = model.score(users, image[pos], text[pos]) > model.score(
            users, image[neg], text[neg]
        )
    assert correct.float().mean().item() > 0.95
