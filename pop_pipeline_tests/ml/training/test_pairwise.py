import pytest
import torch
from torch import nn

from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.training.batches import FeatureLookupTriplets, TensorTriplets
from pop_pipeline.ml.training.pairwise import train_pairwise
from pop_pipeline.ml.training.seeding import seed_everything


def toy_triplets() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    users = torch.arange(6).repeat_interleave(4)
    pos = (users % 3) * 2 + torch.arange(2).repeat(12)
    neg = ((users % 3) * 2 + 3) % 6
    return users, pos, neg


def trained_bpr(seed: int, **kwargs) -> tuple[list[float], BPR]:
    torch.manual_seed(123)  # same initial weights in every run
    model = BPR(BPRConfig(n_users=6, n_items=6, embedding_dim=4))
    losses = train_pairwise(model, toy_triplets(), epochs=5, batch_size=5, seed=seed, **kwargs)
    return losses, model


def test_deterministic_for_a_seed_and_shuffle_depends_on_it():
    losses_a, model_a = trained_bpr(0)
    losses_b, model_b = trained_bpr(0)
    assert losses_a == losses_b
    for a, b in zip(model_a.parameters(), model_b.parameters(), strict=True):
        assert torch.equal(a, b)
    losses_c, _ = trained_bpr(1)
    assert losses_c != losses_a


def test_returns_mean_loss_per_epoch_and_reports_each_epoch():
    seen: list[tuple[int, float]] = []
    losses, _ = trained_bpr(
        0, optimizer="adam", lr=0.05, on_epoch_end=lambda e, v: seen.append((e, v))
    )
    assert len(losses) == 5
    assert seen == list(enumerate(losses))
    assert losses[-1] < losses[0]


def test_epoch_loss_is_the_mean_over_triplets_when_nothing_learns():
    torch.manual_seed(0)
    model = BPR(BPRConfig(n_users=6, n_items=6, embedding_dim=4, reg=0.0))
    users, pos, neg = toy_triplets()
    with torch.no_grad():
        expected = model.calculate_loss(users, pos, neg).item()
    losses = train_pairwise(
        model, (users, pos, neg), epochs=2, batch_size=7, lr=0.0, seed=0, optimizer="sgd"
    )
    assert losses == pytest.approx([expected, expected], abs=1e-6)


class NaNModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1))

    def calculate_loss(self, x: torch.Tensor) -> torch.Tensor:
        return (self.weight * x).sum() * float("nan")


def test_non_finite_loss_raises():
    with pytest.raises(FloatingPointError):
        train_pairwise(NaNModel(), (torch.ones(4),), epochs=1, batch_size=2, seed=0)


def test_unknown_optimizer_raises():
    with pytest.raises(ValueError, match="optimizer"):
        train_pairwise(
            NaNModel(), (torch.ones(4),), epochs=1, batch_size=2, seed=0, optimizer="lbfgs"
        )


def test_tensor_triplets_pass_none_through_and_check_lengths():
    batch = TensorTriplets((torch.arange(5), None, torch.arange(5) * 2)).take(torch.tensor([4, 1]))
    assert batch[0].tolist() == [4, 1] and batch[1] is None and batch[2].tolist() == [8, 2]
    with pytest.raises(ValueError):
        TensorTriplets((torch.arange(5), torch.arange(4)))


def test_feature_lookup_triplets_gather_rows_of_the_feature_tables():
    image = torch.arange(12.0).reshape(4, 3)
    triplets = FeatureLookupTriplets(
        users=torch.tensor([7, 8]),
        pos_tweets=torch.tensor([0, 3]),
        neg_tweets=torch.tensor([2, 1]),
        image_features=image,
        text_features=None,
    )
    users, pos_image, pos_text, neg_image, neg_text = triplets.take(torch.tensor([1]))
    assert users.tolist() == [8]
    assert pos_image.tolist() == [[9.0, 10.0, 11.0]] and neg_image.tolist() == [[3.0, 4.0, 5.0]]
    assert pos_text is None and neg_text is None
    assert len(triplets) == 2


def test_seed_everything_repeats_torch_draws():
    seed_everything(5)
    first = torch.rand(3)
    seed_everything(5)
    assert torch.equal(torch.rand(3), first)
