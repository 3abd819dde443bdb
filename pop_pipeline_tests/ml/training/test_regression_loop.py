from typing import ClassVar

import pytest
import torch
from torch import nn

from pop_pipeline.ml.models.regression.regression_inputs import (
    SIDE_FEATURES,
    RegressionBatch,
    check_batch,
)
from pop_pipeline.ml.training.regression_loop import (
    RegressionData,
    RegressionTrainingConfig,
    predict_regression,
    train_regression,
    validation_mse,
)


class LinearRegressor(nn.Module):
    """``ŷ = w·x (+ b)`` on the side features: the smallest model of the batch contract."""

    required_inputs: ClassVar[tuple[str, ...]] = (SIDE_FEATURES,)

    def __init__(self, n_features: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, 1, bias=bias)

    def forward(self, batch: RegressionBatch) -> torch.Tensor:
        check_batch(batch, self.required_inputs)
        return self.linear(batch[SIDE_FEATURES]).squeeze(1)


def linear_data(n: int = 64, seed: int = 0) -> RegressionData:
    """y = 2·x1 − x2 + 0.5 exactly."""
    x = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    return RegressionData({SIDE_FEATURES: x}, 2.0 * x[:, 0] - x[:, 1] + 0.5)


def fresh_model(seed: int = 0, n_features: int = 2, bias: bool = True) -> LinearRegressor:
    torch.manual_seed(seed)
    return LinearRegressor(n_features, bias)


def test_loss_decreases_on_a_learnable_relation():
    model = fresh_model()
    config = RegressionTrainingConfig(epochs=60, batch_size=16, learning_rate=0.05, patience=None)
    seen = []
    result = train_regression(model, linear_data(), config, progress=seen.append)
    losses = [record.train_loss for record in result.history]
    assert len(losses) == 60 and seen == result.history
    assert losses[-1] < 0.01 * losses[0]
    assert result.best_epoch is None and not result.stopped_early
    assert all(record.validation_loss is None for record in result.history)
    assert model.linear.weight.detach().tolist()[0] == pytest.approx([2.0, -1.0], abs=0.05)


def test_early_stopping_restores_the_best_epoch():
    # Train y = x, validate on y = −x: from w = 0 every step towards 1 raises the validation
    # MSE mean((w + 1)² x²), so epoch 1 is best and, with patience 2, epoch 3 is the last.
    x = torch.linspace(0.5, 1.5, 8).unsqueeze(1)
    train = RegressionData({SIDE_FEATURES: x}, x[:, 0])
    validation = RegressionData({SIDE_FEATURES: x}, -x[:, 0])
    config = RegressionTrainingConfig(epochs=20, batch_size=4, learning_rate=0.05, patience=2)

    def zero_model() -> LinearRegressor:
        model = fresh_model(n_features=1, bias=False)
        nn.init.zeros_(model.linear.weight)
        return model

    model = zero_model()
    result = train_regression(model, train, config, validation=validation)
    validation_losses = [record.validation_loss for record in result.history]
    assert len(validation_losses) == 3
    assert validation_losses == sorted(validation_losses)  # only getting worse
    assert result.best_epoch == 1 and result.stopped_early
    assert result.best_validation_loss == pytest.approx(validation_losses[0])
    # the restored weights are those after epoch 1: one epoch of the same run
    one_epoch = zero_model()
    train_regression(
        one_epoch, train, RegressionTrainingConfig(epochs=1, batch_size=4, learning_rate=0.05)
    )
    assert torch.equal(model.linear.weight, one_epoch.linear.weight)
    assert validation_mse(model, validation) == pytest.approx(validation_losses[0])


def test_improving_validation_keeps_the_last_epoch():
    model = fresh_model()
    config = RegressionTrainingConfig(epochs=5, batch_size=16, learning_rate=0.05, patience=2)
    result = train_regression(model, linear_data(), config, validation=linear_data(32, seed=1))
    assert result.best_epoch == 5 and not result.stopped_early


def test_same_seed_same_weights_other_seed_other_weights():
    def trained(seed: int) -> torch.Tensor:
        model = fresh_model()
        config = RegressionTrainingConfig(epochs=3, batch_size=8, learning_rate=0.05, seed=seed)
        train_regression(model, linear_data(), config)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(trained(1), trained(1))
    assert not torch.equal(trained(1), trained(2))


def test_predict_in_row_order_and_in_eval_mode():
    model = fresh_model()
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[1.0, 10.0]]))
        model.linear.bias.fill_(0.0)
    data = RegressionData({SIDE_FEATURES: torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])})
    assert predict_regression(model, data, batch_size=2).tolist() == [1.0, 10.0, 22.0]
    assert model.training  # restored afterwards


def test_rejects_misaligned_data_and_models_without_the_contract():
    with pytest.raises(ValueError, match="number of rows"):
        RegressionData({SIDE_FEATURES: torch.zeros(3, 2)}, torch.zeros(2))
    with pytest.raises(TypeError, match="required_inputs"):
        train_regression(nn.Linear(2, 1), linear_data(), RegressionTrainingConfig(epochs=1))
    with pytest.raises(ValueError, match="need targets"):
        train_regression(
            fresh_model(),
            RegressionData({SIDE_FEATURES: torch.zeros(2, 2)}),
            RegressionTrainingConfig(),
        )


class ColumnOutput(LinearRegressor):
    def forward(self, batch: RegressionBatch) -> torch.Tensor:
        return self.linear(batch[SIDE_FEATURES])  # [B, 1]: breaks the contract


def test_rejects_predictions_of_the_wrong_shape():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"expected \(16,\)"):
        train_regression(
            ColumnOutput(2), linear_data(), RegressionTrainingConfig(epochs=1, batch_size=16)
        )


def test_rejects_an_empty_validation_set():
    empty = RegressionData({SIDE_FEATURES: torch.zeros(0, 2)}, torch.zeros(0))
    with pytest.raises(ValueError, match="empty validation"):
        train_regression(fresh_model(), linear_data(), RegressionTrainingConfig(), validation=empty)
