import math

import pytest
import torch
from torch import nn

from pop_pipeline.ml.models.ranking.dsempre import (
    DSempre,
    DSempreConfig,
    cross_instance_hinge,
    semantic_preserving_hinge,
)
from pop_pipeline.ml.training.content_batches import DSempreTriplets
from pop_pipeline.ml.training.pairwise import train_pairwise

S = math.sqrt(0.5)


def identity_dsempre(**overrides) -> DSempre:
    """2-d D-Sempre whose every linear layer is the identity: in eval mode, on non-negative
    inputs, a branch outputs its input scaled to unit length (BatchNorm with running mean 0 and
    variance 1 only rescales)."""
    config = {
        "user_dim": 2,
        "image_dim": 2,
        "text_dim": 2,
        "modality_dim": 2,
        "descriptor_dim": 2,
        "embedding_dim": 2,
        "margin": 1.0,
        "modalities": ("image",),
        **overrides,
    }
    model = DSempre(DSempreConfig(**config))
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.copy_(torch.eye(2))
                module.bias.zero_()
    return model.eval()


# users: u0 = (1, 0), u1 = (√½, √½); posts (after normalisation):
# c = (0.6, 0.8), a = (1, 0), b = (0, 1), e = (0.8, 0.6)
USER_BAGS = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
POS_IMAGE = torch.tensor([[3.0, 4.0], [5.0, 0.0]])  # c, a
NEG_IMAGE = torch.tensor([[0.0, 2.0], [0.8, 0.6]])  # b, e
POS_CLUSTERS = torch.tensor([0, 0])
NEG_CLUSTERS = torch.tensor([1, 0])

# eq. 2, m = 1: triplet 0: 1 + d(u0, c) − d(u0, b) = 1 + √0.8 − √2 = 0.4802136
#               triplet 1: 1 + d(u1, a) − d(u1, e) = 1 + √(2 − √2) − √(2 − 1.4·√2) = 1.6235888
CROSS = (0.4802136286 + 1.6235888245) / 2
# eq. 3, m = 1, clusters c:0 a:0 b:1 e:0, the only other-cluster post is b:
# (c,a,b) 1 + √0.8 − √0.4 = 1.2619717   (c,e,b) 1 + √0.08 − √0.4 = 0.6503872
# (a,c,b) 1 + √0.8 − √2   = 0.4802136   (a,e,b) 1 + √0.4 − √2    = 0.2182420
# (e,c,b) 1 + √0.08 − √0.8 = 0.3884155  (e,a,b) 1 + √0.4 − √0.8   = 0.7380283
SEMANTIC = (1.2619717 + 0.6503872 + 0.4802136 + 0.2182420 + 0.3884155 + 0.7380283) / 6


def test_embeddings_are_unit_vectors_with_the_right_shapes():
    torch.manual_seed(0)
    config = DSempreConfig(
        user_dim=7, image_dim=5, text_dim=3, modality_dim=8, descriptor_dim=6, embedding_dim=4
    )
    model = DSempre(config)
    bags, image, text = torch.rand(10, 7), torch.randn(10, 5), torch.randn(10, 3)
    for mode in (model.train, model.eval):
        mode()
        users, posts = model.embed_users(bags), model.embed_posts(image, text)
        assert users.shape == posts.shape == (10, 4)
        assert torch.allclose(users.norm(dim=1), torch.ones(10), atol=1e-5)
        assert torch.allclose(posts.norm(dim=1), torch.ones(10), atol=1e-5)
    scores = model.score(bags, image, text)
    assert scores.shape == (10,) and (scores.abs() <= 1 + 1e-5).all()
    # score = uᵀp = 1 − d²/2: same order as the distance
    distances = (model.embed_users(bags) - model.embed_posts(image, text)).norm(dim=1)
    assert torch.allclose(scores, 1 - distances**2 / 2, atol=1e-5)


def test_one_row_training_batch_uses_running_statistics():
    model = DSempre(DSempreConfig(user_dim=3, image_dim=2, text_dim=2, embedding_dim=4)).train()
    assert model.embed_users(torch.rand(1, 3)).shape == (1, 4)


def test_hand_checked_loss_without_semantic_term():
    model = identity_dsempre(semantic_weight=0.0)
    loss = model.calculate_loss(USER_BAGS, POS_IMAGE, None, NEG_IMAGE, None)
    assert loss.item() == pytest.approx(CROSS, abs=1e-5)


def test_hand_checked_loss_with_semantic_term():
    model = identity_dsempre(semantic_weight=0.3, semantic_negatives=None)
    loss = model.calculate_loss(
        USER_BAGS, POS_IMAGE, None, NEG_IMAGE, None, POS_CLUSTERS, NEG_CLUSTERS
    )
    assert loss.item() == pytest.approx(CROSS + 0.3 * SEMANTIC, abs=1e-5)
    # one closest other-cluster post is all there is here: same value
    model = identity_dsempre(semantic_weight=0.3, semantic_negatives=1)
    loss = model.calculate_loss(
        USER_BAGS, POS_IMAGE, None, NEG_IMAGE, None, POS_CLUSTERS, NEG_CLUSTERS
    )
    assert loss.item() == pytest.approx(CROSS + 0.3 * SEMANTIC, abs=1e-5)


def reference_semantic(posts: list[list[float]], clusters: list[int], margin: float) -> float:
    """Eq. 3 by plain loops over every (i, j, k)."""
    values = []
    for i, pi in enumerate(posts):
        for j, pj in enumerate(posts):
            for k, pk in enumerate(posts):
                if (
                    i != j
                    and clusters[i] >= 0
                    and clusters[i] == clusters[j]
                    and clusters[k] >= 0
                    and clusters[k] != clusters[i]
                ):
                    values.append(max(0.0, margin + math.dist(pi, pj) - math.dist(pi, pk)))
    return sum(values) / len(values)


def test_extra_positives_join_both_terms_and_absent_ones_are_ignored():
    model = identity_dsempre(semantic_weight=0.3, semantic_negatives=None)
    f = [0.28, 0.96]  # triplet 0's extra positive, cluster 2; triplet 1 has none
    extra_image = torch.tensor([f, [1e6, 7.0]])  # the absent row must not matter
    extra_clusters = torch.tensor([2, -1])
    loss = model.calculate_loss(
        USER_BAGS,
        POS_IMAGE,
        None,
        NEG_IMAGE,
        None,
        POS_CLUSTERS,
        NEG_CLUSTERS,
        extra_image,
        None,
        extra_clusters,
    )
    u0, c, a, b, e = [1.0, 0.0], [0.6, 0.8], [1.0, 0.0], [0.0, 1.0], [0.8, 0.6]
    extra_cross = 1 + math.dist(u0, f) - math.dist(u0, b)  # 1 + 1.2 − √2
    cross = (0.4802136286 + 1.6235888245 + extra_cross) / 3
    semantic = reference_semantic([c, a, b, e, f], [0, 0, 1, 0, 2], margin=1.0)
    assert loss.item() == pytest.approx(cross + 0.3 * semantic, abs=1e-5)


def test_cross_instance_hinge_by_hand():
    users = torch.tensor([[1.0, 0.0]])
    hinge = cross_instance_hinge(users, torch.tensor([[0.6, 0.8]]), torch.tensor([[0.0, 1.0]]), 0.5)
    assert hinge.item() == pytest.approx(0.0)  # 0.5 + √0.8 − √2 < 0
    hinge = cross_instance_hinge(users, torch.tensor([[0.0, 1.0]]), torch.tensor([[0.6, 0.8]]), 0.5)
    assert hinge.item() == pytest.approx(0.5 + math.sqrt(2) - math.sqrt(0.8), abs=1e-6)


def test_semantic_term_keeps_the_closest_negatives_and_skips_unclustered_posts():
    a, c, b, g, h = [1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]
    posts = torch.tensor([a, c, b, g, h])
    clusters = torch.tensor([0, 0, 1, 2, -1])
    # negatives = 1: anchor a keeps b (√2 < 2), anchor c keeps b (√0.4 < √3.2); h is ignored
    expected = ((1 + math.sqrt(0.8) - math.sqrt(2)) + (1 + math.sqrt(0.8) - math.sqrt(0.4))) / 2
    value = semantic_preserving_hinge(posts, clusters, margin=1.0, negatives=1)
    assert value.item() == pytest.approx(expected, abs=1e-5)
    every = reference_semantic([a, c, b, g], [0, 0, 1, 2], margin=1.0)
    value = semantic_preserving_hinge(posts, clusters, margin=1.0, negatives=None)
    assert value.item() == pytest.approx(every, abs=1e-5)
    # no same-cluster pair at all: zero, and still differentiable
    lonely = torch.tensor([a, b], requires_grad=True)
    value = semantic_preserving_hinge(lonely, torch.tensor([0, 1]), margin=1.0)
    assert value.item() == 0.0
    value.backward()


def test_missing_modality_or_clusters_raise():
    model = identity_dsempre(semantic_weight=0.3)
    with pytest.raises(ValueError, match="image"):
        model.embed_posts(None, None)
    with pytest.raises(ValueError, match="clusters"):
        model.calculate_loss(USER_BAGS, POS_IMAGE, None, NEG_IMAGE, None)
    with pytest.raises(ValueError):
        DSempreConfig(user_dim=2, image_dim=2, text_dim=2, modalities=("audio",))


def two_taste_triplets() -> tuple[DSempreTriplets, torch.Tensor, torch.Tensor]:
    """8 users in two groups, 40 posts in two topics; each user likes its group's topic."""
    generator = torch.Generator().manual_seed(0)
    n_users, n_posts = 8, 40
    group = torch.arange(n_users) % 2
    topic = torch.arange(n_posts) % 2
    bags = torch.zeros(n_users, 4)
    bags[torch.arange(n_users), group * 2] = 0.7  # group's profile cluster
    bags[torch.arange(n_users), group * 2 + 1] = 0.3
    directions = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    image = directions[topic] + 0.3 * torch.randn(n_posts, 4, generator=generator)
    text = directions[topic].flip(1) + 0.3 * torch.randn(n_posts, 4, generator=generator)
    users = torch.arange(n_users).repeat_interleave(10)
    pos = (group[users] + 2 * torch.randint(0, 20, (len(users),), generator=generator)).long()
    neg = (1 - group[users] + 2 * torch.randint(0, 20, (len(users),), generator=generator)).long()
    triplets = DSempreTriplets(
        users=users,
        pos_rows=pos,
        neg_rows=neg,
        user_bags=bags,
        post_clusters=topic,
        image_features=image,
        text_features=text,
    )
    return triplets, bags[group], (image, text)


@pytest.mark.parametrize("semantic_weight", [0.0, 0.3])
def test_training_lowers_the_loss_and_ranks_liked_topics_first(semantic_weight):
    triplets, group_bags, (image, text) = two_taste_triplets()
    torch.manual_seed(0)
    config = DSempreConfig(
        user_dim=4,
        image_dim=4,
        text_dim=4,
        modality_dim=16,
        descriptor_dim=16,
        embedding_dim=8,
        semantic_weight=semantic_weight,
    )
    model = DSempre(config)
    losses = train_pairwise(
        model, triplets, epochs=15, batch_size=16, optimizer="adam", lr=0.01, seed=0
    )
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    with torch.no_grad():
        posts = model.embed_posts(image, text)  # [40, 8]
        users = model.embed_users(group_bags)  # one user per group
        scores = users @ posts.T
    topic = torch.arange(40) % 2
    for g in (0, 1):
        assert scores[g, topic == g].min() > scores[g, topic != g].max()


def test_training_is_deterministic_per_seed():
    def run() -> tuple[list[float], torch.Tensor]:
        triplets, _, _ = two_taste_triplets()
        torch.manual_seed(3)
        model = DSempre(
            DSempreConfig(
                user_dim=4,
                image_dim=4,
                text_dim=4,
                modality_dim=8,
                descriptor_dim=8,
                embedding_dim=4,
            )
        )
        losses = train_pairwise(model, triplets, epochs=2, batch_size=16, optimizer="adam", seed=3)
        return losses, model.post_branch.output.weight.detach().clone()

    (first_losses, first_weight), (again_losses, again_weight) = run(), run()
    assert first_losses == again_losses
    assert torch.equal(first_weight, again_weight)
