import pytest
import torch

from pop_pipeline.ml.models.regression.regression_inputs import PIXELS, SIDE_FEATURES, check_batch


def test_check_batch_returns_the_batch_size():
    batch = {PIXELS: torch.zeros(3, 3, 64, 64), SIDE_FEATURES: torch.zeros(3, 2)}
    assert check_batch(batch, (PIXELS, SIDE_FEATURES)) == 3


def test_check_batch_names_every_missing_input():
    with pytest.raises(KeyError, match=r"pixels.*side_features"):
        check_batch({}, (PIXELS, SIDE_FEATURES))


def test_check_batch_rejects_inputs_of_different_sizes():
    batch = {PIXELS: torch.zeros(3, 3, 64, 64), SIDE_FEATURES: torch.zeros(2, 2)}
    with pytest.raises(ValueError, match="batch size"):
        check_batch(batch, (PIXELS, SIDE_FEATURES))
