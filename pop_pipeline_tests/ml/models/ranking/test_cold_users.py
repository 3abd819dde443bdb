import pytest
import torch
from torch import nn

from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.models.ranking.cold_users import untrained_users, zero_rows
from pop_pipeline.ml.models.ranking.vbpr import VBPR, VBPRConfig


def embedding(rows: list[list[float]]) -> nn.Embedding:
    table = nn.Embedding(len(rows), len(rows[0]))
    with torch.no_grad():
        table.weight.copy_(torch.tensor(rows))
    return table


def test_untrained_users_are_those_in_no_triplet():
    assert untrained_users(5, torch.tensor([3, 0, 3, 1])).tolist() == [2, 4]
    assert untrained_users(2, torch.tensor([0, 1])).tolist() == []


def test_zero_rows_zeroes_only_those_rows():
    table = embedding([[1.0, 2.0], [3.0, 6.0], [9.0, 9.0], [5.0, 1.0]])
    zero_rows(table, torch.tensor([2]))
    assert table.weight.tolist() == [[1.0, 2.0], [3.0, 6.0], [0.0, 0.0], [5.0, 1.0]]
    with pytest.raises(ValueError):
        zero_rows(table, torch.tensor([4]))


def test_reset_users_score_exactly_like_the_unknown_user():
    torch.manual_seed(0)
    vbpr = VBPR(VBPRConfig(n_users=3, n_items=2, visual_dim=4))
    bpr = BPR(BPRConfig(n_users=3, n_items=2, embedding_dim=4))
    image = torch.randn(2, 4)
    items = torch.tensor([0, 1])
    before = vbpr.score(torch.tensor([1, 1]), items, image)
    vbpr.reset_untrained_users(torch.tensor([1]))
    bpr.reset_untrained_users(torch.tensor([1]))
    unknown = torch.tensor([3, 3])
    assert torch.equal(
        vbpr.score(torch.tensor([1, 1]), items, image), vbpr.score(unknown, items, image)
    )
    assert not torch.equal(before, vbpr.score(unknown, items, image))
    assert torch.equal(bpr.score(torch.tensor([1, 1]), items), bpr.score(unknown, items))
    assert not torch.equal(vbpr.user_factors.weight[0], torch.zeros(32))  # others untouched
