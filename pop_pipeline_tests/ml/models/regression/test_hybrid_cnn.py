import pytest
import torch

from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN, HybridCNNConfig
from pop_pipeline.ml.models.regression.regression_inputs import PIXELS, SIDE_FEATURES


def test_paper_configuration_shapes_and_parameter_count():
    model = HybridCNN()
    assert model.config.pooled_outputs == 16_384  # the paper's "16,384 outputs"
    assert model.fc1.in_features == 16_386  # "... which takes 16,386 inputs"
    # conv1 3·32·25 + 32 = 2,432; conv2 32·64·25 + 64 = 51,264;
    # fc1 16,386·100 + 100 = 1,638,700; fc2 100·60 + 60 = 6,060 → 1,698,456
    assert sum(p.numel() for p in model.parameters()) == 1_698_456
    torch.manual_seed(0)
    batch = {PIXELS: torch.rand(2, 3, 64, 64), SIDE_FEATURES: torch.rand(2, 2)}
    out = model(batch)
    assert out.shape == (2,)
    assert (out >= 0).all()  # ReLU before the sum


def tiny_model(fc_activation: str = "relu") -> HybridCNN:
    """1 channel, 4×4 image, 1×1 kernels, one kernel per convolution, 1 then 2 dense units."""
    config = HybridCNNConfig(
        image_size=4,
        in_channels=1,
        conv_channels=(1, 1),
        kernel_size=1,
        fc_units=(1, 2),
        fc_activation=fc_activation,
    )
    model = HybridCNN(config)
    with torch.no_grad():
        model.conv1.weight.fill_(2.0)
        model.conv1.bias.fill_(-1.0)
        model.conv2.weight.fill_(-1.0)
        model.conv2.bias.fill_(10.0)
        model.fc1.weight.copy_(torch.tensor([[0.5, 1.0, -2.0]]))  # pooled value, side 1, side 2
        model.fc1.bias.fill_(0.0)
        model.fc2.weight.copy_(torch.tensor([[1.0], [-3.0]]))
        model.fc2.bias.copy_(torch.tensor([1.0, 2.0]))
    return model


IMAGE = torch.tensor(
    [
        [0.0, 1.0, 2.0, 0.5],
        [3.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 4.0],
    ]
).reshape(1, 1, 4, 4)


def test_hand_checked_forward_value():
    model = tiny_model()
    out = model({PIXELS: IMAGE, SIDE_FEATURES: torch.tensor([[1.0, 0.25]])})
    # conv1 2x − 1, ReLU: [[0,1,3,0],[5,0,0,0],[1,1,0,0],[1,1,0,7]]
    # max-pool 2×2: [[5, 3], [1, 7]]
    # conv2 10 − x, ReLU: [[5, 7], [9, 3]]; max-pool: 9
    # fc1: 0.5·9 + 1·1 − 2·0.25 = 5, ReLU 5
    # fc2: 1·5 + 1 = 6 and −3·5 + 2 = −13 → ReLU 6, 0 → sum 6
    assert out.tolist() == pytest.approx([6.0])
    # linear read-out: 6 + (−13) = −7
    linear = tiny_model("identity")
    assert linear({PIXELS: IMAGE, SIDE_FEATURES: torch.tensor([[1.0, 0.25]])}).tolist() == (
        pytest.approx([-7.0])
    )


def test_side_features_reach_the_dense_layer():
    model = tiny_model()
    # side 2 → fc1 = 4.5 + 2 − 0.5 = 6 → fc2 = 7 → 7
    out = model({PIXELS: IMAGE, SIDE_FEATURES: torch.tensor([[2.0, 0.25]])})
    assert out.tolist() == pytest.approx([7.0])


def test_rejects_wrong_shapes_and_missing_inputs():
    model = tiny_model()
    with pytest.raises(ValueError, match="pixels"):
        model({PIXELS: torch.zeros(1, 3, 4, 4), SIDE_FEATURES: torch.zeros(1, 2)})
    with pytest.raises(ValueError, match="side features"):
        model({PIXELS: IMAGE, SIDE_FEATURES: torch.zeros(1, 3)})
    with pytest.raises(KeyError, match="side_features"):
        model({PIXELS: IMAGE})
    with pytest.raises(ValueError, match="odd"):
        HybridCNNConfig(kernel_size=4)


def test_trains_with_the_regression_loop():
    """Brighter images and more followers score higher; a small hybrid CNN learns it."""
    from pop_pipeline.ml.training.regression_loop import (
        RegressionData,
        RegressionTrainingConfig,
        train_regression,
    )

    generator = torch.Generator().manual_seed(0)
    brightness = torch.rand(96, generator=generator)
    pixels = brightness.view(-1, 1, 1, 1) * torch.rand(96, 3, 8, 8, generator=generator)
    side = torch.rand(96, 2, generator=generator)
    targets = 4.0 * pixels.mean(dim=(1, 2, 3)) + side[:, 0]
    data = RegressionData({PIXELS: pixels, SIDE_FEATURES: side}, targets)
    torch.manual_seed(0)
    model = HybridCNN(HybridCNNConfig(image_size=8, conv_channels=(4, 4), fc_units=(8, 4)))
    config = RegressionTrainingConfig(epochs=40, batch_size=16, learning_rate=1e-2, patience=None)
    history = train_regression(model, data, config).history
    assert history[-1].train_loss < 0.1 * history[0].train_loss
