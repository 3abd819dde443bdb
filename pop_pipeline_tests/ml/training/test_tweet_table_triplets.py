import pytest
import torch

from pop_pipeline.ml.training.tweet_table_triplets import TweetTableTriplets


def test_take_gathers_positive_then_negative_rows_of_every_table():
    patches = torch.arange(5 * 2 * 3).reshape(5, 2, 3)
    image = torch.arange(5 * 4).reshape(5, 4) * 10
    triplets = TweetTableTriplets(
        users=torch.tensor([7, 8, 9]),
        pos_tweets=torch.tensor([0, 3, 4]),
        neg_tweets=torch.tensor([2, 1, 0]),
        tables=(patches, image, None),
    )

    users, pos_patches, pos_image, pos_none, neg_patches, neg_image, neg_none = triplets.take(
        torch.tensor([2, 0])
    )

    assert len(triplets) == 3
    assert users.tolist() == [9, 7]
    assert torch.equal(pos_patches, patches[[4, 0]])
    assert torch.equal(pos_image, image[[4, 0]])
    assert torch.equal(neg_patches, patches[[0, 2]])
    assert torch.equal(neg_image, image[[0, 2]])
    assert pos_none is None and neg_none is None


def test_rejects_misaligned_inputs():
    with pytest.raises(ValueError, match="same length"):
        TweetTableTriplets(torch.tensor([0]), torch.tensor([0, 1]), torch.tensor([1]), ())
    with pytest.raises(ValueError, match="rows"):
        TweetTableTriplets(
            torch.tensor([0]),
            torch.tensor([0]),
            torch.tensor([1]),
            (torch.zeros(2), torch.zeros(3)),
        )
