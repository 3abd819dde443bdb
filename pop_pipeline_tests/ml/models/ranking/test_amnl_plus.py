"""AMNL+ against a plain-Python reference of paper 000 §II-B on a tiny model with set weights."""

import math

import numpy as np
import pytest
import torch

from pop_pipeline.ml.models.ranking.amnl import pad_followees
from pop_pipeline.ml.models.ranking.amnl_plus import AMNL_PLUS_VARIANTS, AMNLPlus, AMNLPlusConfig
from pop_pipeline.ml.training.pairwise import train_pairwise

# 3×3 grid of 2-d patches, row-major (y, then x).
PATCHES = [
    [0.2, -0.1],
    [0.5, 0.3],
    [-0.4, 0.6],
    [0.1, 0.9],
    [-0.3, -0.2],
    [0.7, -0.5],
    [0.0, 0.4],
    [-0.6, 0.1],
    [0.3, 0.3],
]
IMAGE = [0.6, -0.8]  # f_i
SENTENCES = [[1.0, 0.0], [0.2, -0.9]]  # y_i0, y_i1

W_LOC_IMAGE = [[0.8, 0.0], [0.0, -0.6]]  # W_j
W_LOC_STATE = [[1.5, -0.5], [0.5, 1.0]]  # W_c
W_TEXT = [[1.0, 0.0], [0.0, 1.0]]  # W_t
W_PATCH = [[0.5, -1.0], [1.0, 0.5]]  # W_u
B_TEXT = [0.1, -0.2]  # b
P_TEXT = [1.0, -0.7]  # p
W_IH = [
    [0.5, -0.3],
    [0.2, 0.4],
    [0.6, 0.1],
    [-0.2, 0.3],
    [0.3, 0.3],
    [-0.4, 0.2],
    [0.1, -0.5],
    [0.7, 0.2],
]  # LSTM input weights, gates (i, f, g, o) of 2 units each
W_HH = [
    [0.1, 0.2],
    [-0.3, 0.1],
    [0.2, 0.2],
    [0.0, -0.4],
    [0.5, -0.1],
    [0.3, 0.3],
    [-0.2, 0.1],
    [0.1, 0.0],
]
B_IH = [0.05, -0.05, 0.0, 0.1, 0.5, 0.5, 0.0, -0.1]
B_HH = [0.0, 0.0, 0.1, 0.0, 0.0, 0.0, -0.1, 0.0]
W_Z = [[2.0, 1.0], [-1.0, 2.0]]  # W^(c): z = g(W^(c) h)
USERS = [[1.0, 0.5], [0.2, -1.0], [-0.5, 1.0]]
FOLLOWEES = [[1, 2], [2, -1], [-1, -1]]  # user 0 follows 1 and 2; user 1 follows 2; user 2 nobody


# --- a plain-Python reference -------------------------------------------------------------


def matvec(matrix, vector):
    return [sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix]


def add(*vectors):
    return [sum(values) for values in zip(*vectors, strict=True)]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def g(x):
    return 1.7159 * math.tanh(2.0 * x / 3.0)


def softmax(scores):
    exps = [math.exp(s) for s in scores]
    return [e / sum(exps) for e in exps]


def bilinear(patches, x, y, size=3):
    """grid_sample(align_corners=True, padding_mode='border') at normalised (x, y)."""
    column = min(max((x + 1) / 2 * (size - 1), 0.0), size - 1)
    row = min(max((y + 1) / 2 * (size - 1), 0.0), size - 1)
    c0, r0 = math.floor(column), math.floor(row)
    c1, r1 = min(c0 + 1, size - 1), min(r0 + 1, size - 1)
    wc, wr = column - c0, row - r0
    cell = lambda r, c: patches[r * size + c]  # noqa: E731
    return [
        (1 - wr) * (1 - wc) * cell(r0, c0)[d]
        + (1 - wr) * wc * cell(r0, c1)[d]
        + wr * (1 - wc) * cell(r1, c0)[d]
        + wr * wc * cell(r1, c1)[d]
        for d in range(2)
    ]


def glimpse(patches, location, size=3):
    """3×3 points one patch (1.0 in normalised units on a 3×3 grid) apart, row-major."""
    return [
        bilinear(patches, location[0] + dx, location[1] + dy)
        for dy in (-1.0, 0.0, 1.0)
        for dx in (-1.0, 0.0, 1.0)
    ][: size * size]


def location(image, hidden):
    pre = matvec(W_LOC_IMAGE, image)
    if hidden is not None:
        pre = add(pre, matvec(W_LOC_STATE, hidden))
    return [math.tanh(2.0 * v / 3.0) for v in pre]  # g(·) / 1.7159


def text_attention(sentence, features):
    query = matvec(W_TEXT, sentence)
    scores = [
        dot(P_TEXT, [math.tanh(v) for v in add(query, matvec(W_PATCH, eta), B_TEXT)])
        for eta in features
    ]
    return softmax(scores)


def lstm(x, h, c):
    gates = add(matvec(W_IH, x), matvec(W_HH, h), B_IH, B_HH)
    i = [sigmoid(v) for v in gates[0:2]]
    f = [sigmoid(v) for v in gates[2:4]]
    cand = [math.tanh(v) for v in gates[4:6]]
    o = [sigmoid(v) for v in gates[6:8]]
    c = [fj * cj + ij * gj for fj, cj, ij, gj in zip(f, c, i, cand, strict=True)]
    return [oj * math.tanh(cj) for oj, cj in zip(o, c, strict=True)], c


def reference(patches=PATCHES, image=IMAGE, sentences=SENTENCES, guided=True):
    """(locations, attention per step, z) of the textually guided process."""
    h, c = [0.0, 0.0], [0.0, 0.0]
    where = location(image, None)
    locations, attentions = [], []
    for sentence in sentences:
        features = glimpse(patches, where)
        alpha = text_attention(sentence, features) if guided else [1 / 9] * 9
        attended = [sum(a * eta[d] for a, eta in zip(alpha, features, strict=True)) for d in (0, 1)]
        h, c = lstm(attended, h, c)
        locations.append(where)
        attentions.append(alpha)
        where = location(image, h)
    return locations, attentions, [g(v) for v in matvec(W_Z, h)]


def reference_scores(z, social=True):
    u0, u1, u2 = USERS
    if not social:
        return [dot(u, z) for u in USERS]
    # AMNL's social attention with W_s = W_n = I, b = [0.1, -0.1], p = [1, -1]
    s01 = math.tanh(1.0 + 0.2 + 0.1) - math.tanh(0.5 - 1.0 - 0.1)
    s02 = math.tanh(1.0 - 0.5 + 0.1) - math.tanh(0.5 + 1.0 - 0.1)
    a01 = math.exp(s01) / (math.exp(s01) + math.exp(s02))
    h0 = a01 * dot(u1, z) + (1 - a01) * dot(u2, z)
    return [dot(u0, z) * h0, dot(u1, z) * dot(u2, z), dot(u2, z)]


# --- the model under test -----------------------------------------------------------------


def toy_model(followees=FOLLOWEES, **overrides) -> AMNLPlus:
    config = AMNLPlusConfig(
        n_users=3,
        patch_dim=2,
        image_dim=2,
        sentence_dim=2,
        grid_height=3,
        grid_width=3,
        n_sentences=2,
        glimpse_size=3,
        rnn_dim=2,
        text_attention_dim=2,
        preference_dim=2,
        social_attention_dim=2,
        **overrides,
    )
    model = AMNLPlus(config, torch.tensor(followees))
    values = {
        "location_image.weight": W_LOC_IMAGE,
        "location_state.weight": W_LOC_STATE,
        "text_attention_sentence.weight": W_TEXT,
        "text_attention_patch.weight": W_PATCH,
        "text_attention_patch.bias": B_TEXT,
        "text_attention_vector.weight": [P_TEXT],
        "rnn.weight_ih": W_IH,
        "rnn.weight_hh": W_HH,
        "rnn.bias_ih": B_IH,
        "rnn.bias_hh": B_HH,
        "ranking.image_projection.weight": W_Z,
        "ranking.user_preferences.weight": USERS,
        "ranking.attention_user.weight": [[1.0, 0.0], [0.0, 1.0]],
        "ranking.attention_followee.weight": [[1.0, 0.0], [0.0, 1.0]],
        "ranking.attention_followee.bias": [0.1, -0.1],
        "ranking.attention_vector.weight": [[1.0, -1.0]],
    }
    parameters = dict(model.named_parameters())
    assert set(parameters) == set(values)  # every parameter is set by hand
    with torch.no_grad():
        for name, value in values.items():
            parameters[name].copy_(torch.tensor(value))
    return model


def tweets(n, patches=PATCHES, image=IMAGE, sentences=SENTENCES):
    return (
        torch.tensor([patches] * n),
        torch.tensor([image] * n),
        torch.tensor([sentences] * n),
    )


def test_glimpse_reads_patches_bilinearly_around_the_location():
    model = toy_model()
    patches = torch.tensor([PATCHES])
    centre = model.glimpse(patches, torch.tensor([[0.0, 0.0]]))
    np.testing.assert_allclose(centre[0], PATCHES, atol=1e-6)  # 3×3 at the centre: the grid
    for where in ([1.0, -1.0], [0.5, 0.0], [0.9, 0.7], [-0.25, 0.6]):
        out = model.glimpse(patches, torch.tensor([where]))
        expected = glimpse(PATCHES, where)
        np.testing.assert_allclose(out[0], expected, atol=1e-6)
    top_right = glimpse(PATCHES, [1.0, -1.0])[4]  # centre point of the glimpse
    assert top_right == pytest.approx(PATCHES[2])  # row 0, column 2


def test_textual_attention_sums_to_one_and_matches_hand_softmax():
    model = toy_model()
    features = [[0.3, -0.2], [0.0, 0.5], [-0.4, 0.1]]
    sentence = [0.5, 0.5]
    alpha = model.textual_attention(torch.tensor([sentence]), torch.tensor([features]))
    # s_k = p·tanh(W_t y + W_u η_k + b), by hand for the first feature:
    s0 = 1.0 * math.tanh(0.5 + (0.15 + 0.2) + 0.1) - 0.7 * math.tanh(0.5 + (0.3 - 0.1) - 0.2)
    assert text_attention(sentence, features)[0] == pytest.approx(
        math.exp(s0)
        / sum(
            math.exp(dot(P_TEXT, [math.tanh(v) for v in add(sentence, matvec(W_PATCH, f), B_TEXT)]))
            for f in features
        )
    )
    assert alpha.sum().item() == pytest.approx(1.0)
    assert alpha[0].tolist() == pytest.approx(text_attention(sentence, features), abs=1e-6)


def test_trace_matches_the_reference_process():
    model = toy_model()
    trace = model.trace(*tweets(1))
    locations, attentions, _ = reference()

    assert trace.locations.shape == (1, 2, 2)
    assert trace.attention.shape == (1, 2, 9)
    np.testing.assert_allclose(trace.locations[0].detach(), locations, atol=1e-6)
    np.testing.assert_allclose(trace.attention[0].detach(), attentions, atol=1e-6)
    np.testing.assert_allclose(trace.attention.sum(dim=-1).detach(), [[1.0, 1.0]], atol=1e-6)
    assert locations[0] != pytest.approx(locations[1], abs=1e-3)  # the location moved


def test_score_matches_hand_computed_multi_faceted_value():
    model = toy_model()
    _, _, z = reference()
    assert model.joint_representation(*tweets(1))[0].tolist() == pytest.approx(z, abs=1e-6)
    scores = model.score(torch.tensor([0, 1, 2]), *tweets(3))
    assert scores.shape == (3,)
    assert scores.tolist() == pytest.approx(reference_scores(z), abs=1e-6)
    encoded = model.encode_tweets(*tweets(1))
    same = model.score_encoded(torch.tensor([0, 1, 2]), encoded.expand(3, -1))
    assert same.tolist() == pytest.approx(scores.tolist(), abs=1e-7)


def test_unknown_user_scores_with_the_mean_preference():
    model = toy_model()
    _, _, z = reference()
    mean_user = [sum(u[0] for u in USERS) / 3, sum(u[1] for u in USERS) / 3]
    assert model.unknown_user_index == 3
    assert model.score(torch.tensor([3]), *tweets(1)).tolist() == pytest.approx(
        [dot(mean_user, z)], abs=1e-6
    )


def test_hinge_loss_matches_hand_value():
    model = toy_model(margin=0.6)
    neg_patches = [[-v for v in p] for p in PATCHES[::-1]]
    neg_image, neg_sentences = [-0.2, 0.9], [[0.0, 1.0], [0.7, 0.7]]
    pos = reference_scores(reference()[2])
    neg = reference_scores(reference(neg_patches, neg_image, neg_sentences)[2])
    expected = sum(max(0.0, 0.6 + n - p) for p, n in zip(pos, neg, strict=True)) / 3

    loss = model.calculate_loss(
        torch.tensor([0, 1, 2]), *tweets(3), *tweets(3, neg_patches, neg_image, neg_sentences)
    )
    assert expected > 0
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_without_textual_guidance_the_glimpse_is_averaged_and_text_ignored():
    model = toy_model(textual_guidance=False)
    patches, image, sentences = tweets(3)
    locations, attentions, z = reference(guided=False)

    trace = model.trace(patches, image, None)
    np.testing.assert_allclose(trace.attention[0].detach(), attentions, atol=1e-7)
    np.testing.assert_allclose(trace.locations[0].detach(), locations, atol=1e-6)
    users = torch.tensor([0, 1, 2])
    scores = model.score(users, patches, image, None)
    assert scores.tolist() == pytest.approx(reference_scores(z), abs=1e-6)
    other_text = torch.randn(3, 2, 2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.score(users, patches, image, other_text), scores)
    # ... whereas the guided model does read the text.
    guided = toy_model()
    assert not torch.allclose(
        guided.score(users, patches, image, sentences),
        guided.score(users, patches, image, other_text),
    )
    with pytest.raises(ValueError, match="sentence"):
        guided.score(users, patches, image, None)


def test_without_social_impact_followees_are_ignored():
    users = torch.tensor([0, 1, 2])
    other_followees = [[2, -1], [0, 2], [1, -1]]
    plain = toy_model(use_social_impact=False)
    plain_other = toy_model(other_followees, use_social_impact=False)
    scores = plain.score(users, *tweets(3))

    assert scores.tolist() == pytest.approx(
        reference_scores(reference()[2], social=False), abs=1e-6
    )  # float32 model against a float64 reference
    assert torch.equal(plain_other.score(users, *tweets(3)), scores)
    social = toy_model().score(users, *tweets(3))
    social_other = toy_model(other_followees).score(users, *tweets(3))
    assert not torch.allclose(social, social_other)


def test_gradient_reaches_every_parameter():
    generator = torch.Generator().manual_seed(0)
    config = AMNLPlusConfig(
        n_users=4, patch_dim=6, image_dim=5, sentence_dim=7, grid_height=4, grid_width=4,
        n_sentences=3, glimpse_size=2, rnn_dim=8, text_attention_dim=4, preference_dim=6,
        social_attention_dim=3,
    )  # fmt: skip
    follows = np.array([[0, 1], [0, 2], [1, 2], [1, 3], [2, 0], [2, 3], [3, 0], [3, 1]])
    torch.manual_seed(0)
    model = AMNLPlus(config, pad_followees(follows[:, 0], follows[:, 1], 4))

    def batch():
        return (
            torch.randn(4, 16, 6, generator=generator),
            torch.randn(4, 5, generator=generator),
            torch.randn(4, 3, 7, generator=generator),
        )

    loss = model.calculate_loss(torch.arange(4), *batch(), *batch())
    assert loss.item() > 0
    loss.backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name


def test_rejects_bad_shapes_and_configs():
    model = toy_model()
    patches, image, sentences = tweets(1)
    with pytest.raises(ValueError, match="patches"):
        model.score(torch.tensor([0]), patches[:, :4], image, sentences)
    with pytest.raises(ValueError, match="sentences"):
        model.score(torch.tensor([0]), patches, image, sentences[:, :1])
    with pytest.raises(ValueError):
        AMNLPlusConfig(n_users=1, patch_dim=2, image_dim=2, sentence_dim=2, glimpse_size=0)


def test_variants_and_state_dict_round_trip():
    assert set(AMNL_PLUS_VARIANTS) == {"amnl_plus", "amnl_plus_i", "amnl_plus_hfunc"}
    base = {"n_users": 3, "patch_dim": 2, "image_dim": 2, "sentence_dim": 2}
    assert not AMNLPlusConfig(**base, **AMNL_PLUS_VARIANTS["amnl_plus_i"]).textual_guidance
    assert not AMNLPlusConfig(**base, **AMNL_PLUS_VARIANTS["amnl_plus_hfunc"]).use_social_impact
    model = toy_model()
    copy = AMNLPlus(model.config, torch.tensor(FOLLOWEES))
    copy.load_state_dict(model.state_dict())
    users = torch.tensor([0, 1, 2])
    assert torch.equal(copy.score(users, *tweets(3)), model.score(users, *tweets(3)))


def synthetic_triplets(seed: int):
    """Users like tweets whose patches align with their taste, in the patch the text points at.

    Each tweet has a random 4×4 grid; the sentences name one "key" patch (its own vector plus
    noise), and the tweet's appeal to a user is the user's taste · that key patch.
    """
    generator = torch.Generator().manual_seed(seed)
    n_users, n_tweets, dim = 8, 40, 6
    taste = torch.randn(n_users, dim, generator=generator)
    patches = torch.randn(n_tweets, 16, dim, generator=generator)
    key = torch.randint(0, 16, (n_tweets,), generator=generator)
    key_patch = patches[torch.arange(n_tweets), key]
    sentences = key_patch[:, None, :] + 0.1 * torch.randn(n_tweets, 2, dim, generator=generator)
    image = patches.mean(dim=1)
    ranked = (taste @ key_patch.T).argsort(dim=1, descending=True)
    users = torch.arange(n_users).repeat_interleave(8)
    pos = ranked[:, :8].reshape(-1)
    neg = ranked[:, -8:].reshape(-1)
    return users, pos, neg, (patches, image, sentences)


def test_training_lowers_the_loss_on_synthetic_data():
    users, pos, neg, (patches, image, sentences) = synthetic_triplets(0)
    config = AMNLPlusConfig(
        n_users=8, patch_dim=6, image_dim=6, sentence_dim=6, grid_height=4, grid_width=4,
        n_sentences=2, glimpse_size=4, rnn_dim=16, text_attention_dim=8, preference_dim=8,
        social_attention_dim=4, init_std=0.3,
    )  # fmt: skip
    follows = np.array([[u, (u + 1) % 8] for u in range(8)] + [[0, 4], [2, 6]])
    torch.manual_seed(0)
    model = AMNLPlus(config, pad_followees(follows[:, 0], follows[:, 1], 8))
    batch = (
        users,
        patches[pos],
        image[pos],
        sentences[pos],
        patches[neg],
        image[neg],
        sentences[neg],
    )
    losses = train_pairwise(model, batch, epochs=15, batch_size=16, lr=0.05, seed=0)

    assert losses[-1] < 0.3 * losses[0]
    with torch.no_grad():
        correct = model.score(users, *batch[1:4]) > model.score(users, *batch[4:])
    assert correct.float().mean().item() > 0.9
