from dataclasses import dataclass

import numpy as np
import torch

from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.training.pairwise import train_pairwise
from pop_pipeline.ranking.fit.pairwise_setup import fit_pairwise, triplet_tensors

USERS = torch.arange(6).repeat_interleave(4)
POS = (USERS % 3) * 2 + torch.arange(2).repeat(12)
NEG = ((USERS % 3) * 2 + 3) % 6


@dataclass(frozen=True)
class Params:
    epochs: int = 3
    batch_size: int = 5
    learning_rate: float = 0.05
    seed: int = 7


@dataclass(frozen=True)
class ParamsWithDecay(Params):
    weight_decay: float = 0.5


def bpr() -> BPR:
    torch.manual_seed(123)
    return BPR(BPRConfig(n_users=6, n_items=6, embedding_dim=4))


def test_fit_pairwise_passes_every_shared_param_as_train_pairwise_takes_them():
    for params, decay in ((Params(), 0.0), (ParamsWithDecay(), 0.5)):
        ours = bpr()
        losses = fit_pairwise(ours, (USERS, POS, NEG), params, optimizer="adam", device="cpu")
        reference = bpr()
        expected = train_pairwise(
            reference,
            (USERS, POS, NEG),
            epochs=3,
            batch_size=5,
            optimizer="adam",
            lr=0.05,
            weight_decay=decay,
            seed=7,
        )
        assert losses == expected
        for a, b in zip(ours.parameters(), reference.parameters(), strict=True):
            assert torch.equal(a, b)
    # and the weight decay really reached the optimiser: the two runs differ
    plain, decayed = bpr(), bpr()
    fit_pairwise(plain, (USERS, POS, NEG), Params(), optimizer="adam", device="cpu")
    fit_pairwise(decayed, (USERS, POS, NEG), ParamsWithDecay(), optimizer="adam", device="cpu")
    assert not torch.equal(plain.user_factors.weight, decayed.user_factors.weight)


@dataclass
class Triplets:
    triplet_users: np.ndarray
    triplet_pos: np.ndarray
    triplet_neg: np.ndarray


def test_triplet_tensors_are_int64_copies():
    data = Triplets(np.array([0, 1], np.int32), np.array([2, 3]), np.array([4, 5]))
    users, pos, neg = triplet_tensors(data)  # type: ignore[arg-type]
    assert [t.dtype for t in (users, pos, neg)] == [torch.int64] * 3
    assert (users.tolist(), pos.tolist(), neg.tolist()) == ([0, 1], [2, 3], [4, 5])
    pos[0] = 99
    assert data.triplet_pos[0] == 2
