import pytest
import torch

from pop_pipeline.ml.training.content_batches import (
    BootstrapVisualItemTriplets,
    DSempreTriplets,
    VisualItemTriplets,
)

IMAGE = torch.arange(8.0).reshape(4, 2)  # feature row r = (2r, 2r + 1)
TEXT = -torch.arange(4.0).reshape(4, 1)


def test_visual_item_triplets_gather_items_and_image_rows():
    triplets = VisualItemTriplets(
        users=torch.tensor([0, 1]),
        pos_items=torch.tensor([5, 6]),
        neg_items=torch.tensor([7, 8]),
        pos_rows=torch.tensor([1, 2]),
        neg_rows=torch.tensor([3, 0]),
        image_features=IMAGE,
    )
    assert len(triplets) == 2
    users, pos_items, neg_items, pos_image, neg_image = triplets.take(torch.tensor([1]))
    assert (users.tolist(), pos_items.tolist(), neg_items.tolist()) == ([1], [6], [8])
    assert pos_image.tolist() == [[4.0, 5.0]] and neg_image.tolist() == [[0.0, 1.0]]
    with pytest.raises(ValueError):
        VisualItemTriplets(*(torch.tensor([0]),) * 4, torch.tensor([0, 1]), IMAGE)


def test_dsempre_triplets_gather_bags_features_clusters_and_extras():
    bags = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    triplets = DSempreTriplets(
        users=torch.tensor([1, 0]),
        pos_rows=torch.tensor([0, 1]),
        neg_rows=torch.tensor([2, 3]),
        user_bags=bags,
        post_clusters=torch.tensor([4, 5, 6, -1]),
        image_features=IMAGE,
        text_features=None,
        extra_rows=torch.tensor([2, -1]),
    )
    batch = triplets.take(torch.tensor([0, 1]))
    assert len(batch) == 10
    user_bags, pos_image, pos_text, neg_image, neg_text = batch[:5]
    pos_clusters, neg_clusters, extra_image, extra_text, extra_clusters = batch[5:]
    assert user_bags.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert pos_image.tolist() == [[0.0, 1.0], [2.0, 3.0]] and pos_text is None
    assert neg_image.tolist() == [[4.0, 5.0], [6.0, 7.0]] and neg_text is None
    assert pos_clusters.tolist() == [4, 5] and neg_clusters.tolist() == [6, -1]
    # triplet 1 has no extra positive: absent (-1), its positive's features as a placeholder
    assert extra_clusters.tolist() == [6, -1]
    assert extra_image.tolist() == [[4.0, 5.0], [2.0, 3.0]] and extra_text is None


def test_dsempre_triplets_without_extras():
    triplets = DSempreTriplets(
        users=torch.tensor([0]),
        pos_rows=torch.tensor([0]),
        neg_rows=torch.tensor([1]),
        user_bags=torch.ones(1, 2),
        post_clusters=torch.tensor([0, 1, 2, 3]),
        image_features=None,
        text_features=TEXT,
    )
    batch = triplets.take(torch.tensor([0]))
    assert batch[1] is None and batch[2].tolist() == [[-0.0]] and batch[4].tolist() == [[-1.0]]
    assert batch[7:] == (None, None, None)


def bootstrap(seed: int) -> BootstrapVisualItemTriplets:
    # user 0 has items 0 and 1 as positives, user 1 item 2; items 0..3 sit at rows 3, 2, 1, 0
    return BootstrapVisualItemTriplets(
        users=torch.tensor([0, 0, 1]),
        pos_items=torch.tensor([0, 1, 2]),
        item_rows=torch.tensor([3, 2, 1, 0]),
        image_features=IMAGE,
        generator=torch.Generator().manual_seed(seed),
    )


def test_bootstrap_negatives_are_never_the_users_positives_and_features_follow_items():
    triplets = bootstrap(seed=0)
    assert len(triplets) == 3 and triplets.n_items == 4
    drawn = {0: set(), 1: set()}
    for _ in range(200):
        users, pos_items, neg_items, pos_image, neg_image = triplets.take(torch.tensor([0, 1, 2]))
        assert pos_items.tolist() == [0, 1, 2]
        for user, item in zip(users.tolist(), neg_items.tolist(), strict=True):
            drawn[user].add(item)
        # item i sits at row 3 - i, whose features are (2(3 - i), 2(3 - i) + 1)
        assert neg_image[:, 0].tolist() == [2.0 * (3 - i) for i in neg_items.tolist()]
        assert pos_image[:, 0].tolist() == [6.0, 4.0, 2.0]
    assert drawn == {0: {2, 3}, 1: {0, 1, 3}}  # every allowed item, and only those, is drawn


def test_bootstrap_draws_are_fresh_per_batch_and_seeded():
    first, again, other = bootstrap(0), bootstrap(0), bootstrap(1)
    index = torch.tensor([2] * 16)
    draws = [first.take(index)[2].tolist() for _ in range(3)]
    assert draws[0] != draws[1]  # a fresh negative every batch
    assert [again.take(index)[2].tolist() for _ in range(3)] == draws
    assert [other.take(index)[2].tolist() for _ in range(3)] != draws


def test_bootstrap_keeps_a_clashing_draw_when_the_user_has_every_item():
    triplets = BootstrapVisualItemTriplets(
        users=torch.tensor([0, 0]),
        pos_items=torch.tensor([0, 1]),
        item_rows=torch.tensor([0, 1]),
        image_features=IMAGE,
        generator=torch.Generator().manual_seed(0),
        max_redraws=3,
    )
    neg_items = triplets.take(torch.tensor([0, 1]))[2]
    assert set(neg_items.tolist()) <= {0, 1}  # no infinite loop, still a valid item
