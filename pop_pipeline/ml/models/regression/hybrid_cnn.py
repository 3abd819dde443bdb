"""Hybrid CNN: a popularity CNN on raw pixels with side information joined to its dense part.

Zhang, Jatowt and Kawai, "Picture or Words: Predicting Twitter Image Post Popularity with Deep
Learning" (paper 001), §3.1 (network structure, Figure 1) and §3.2 (parameters):

- input: the image resized to 64 × 64 pixels (``PIXELS``, ``[B, 3, 64, 64]``)
- convolution, 32 kernels 5 × 5, ReLU → max-pool 2 × 2, stride 2
- convolution, 64 kernels 5 × 5, ReLU → max-pool 2 × 2, stride 2
- "16,384 outputs from the second max-pooling layer" (= 64 · 16 · 16), so both convolutions
  keep the spatial size ("same" padding of 2), as TensorFlow's tutorial networks of the time do
- fully connected layer of 100 units on the 16,384 pooled outputs *and* the two side signals
  (16,386 inputs), then a fully connected layer of 60 units
- "the outputs of the second fully-connected layer are aggregated as sum in the final node,
  which produces the prediction value": ``ŷ = Σ_j h2_j`` (no weights, no bias)
- MSE loss, Adam with learning rate 1e-3 (paper 001 §3.2, "initial learning rate as 0.001":
  the default of ``RegressionTrainingConfig.learning_rate``); the paper runs 1,000
  epochs, our training loop stops early on a validation loss instead when it has one

Where we depart from the paper, and why:

- Activations of the fully connected layers: the paper names ReLU for the convolutions only.
  We use ReLU on both fully connected layers (``fc_activation``), the usual reading of
  "neurons" in the TensorFlow CNN tutorials the paper builds on; with ReLU before the sum the
  prediction is non-negative, like every target (``"identity"`` gives a linear read-out).
- Side signals (``SIDE_FEATURES``): log1p(author followers) and log1p(hours elapsed), not the
  paper's counts divided by their dataset maxima (§4.1): the shared batch contract of all
  regression models (``regression_inputs``); log scaling keeps heavy-tailed follower counts
  from collapsing into ~0.
- Target: log1p(retweets) or log1p(likes) rather than count / max (see
  ``pop_pipeline.regression.data.popularity_targets``), one model per target as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
from torch import nn

from pop_pipeline.ml.models.regression.regression_inputs import (
    PIXELS,
    SIDE_FEATURES,
    RegressionBatch,
    check_batch,
)

PAPER_EPOCHS = 1000  # paper 001 §3.2: "we run 1000 training epochs"


@dataclass(frozen=True)
class HybridCNNConfig:
    """Hyperparameters of :class:`HybridCNN`; the defaults are the paper's."""

    image_size: int = 64  # side of the square input image, divisible by 4
    in_channels: int = 3  # colour channels of the input
    conv_channels: tuple[int, int] = (32, 64)  # kernels of the two convolutions
    kernel_size: int = 5  # odd side of the square kernels ("same" padding keeps the size)
    fc_units: tuple[int, int] = (100, 60)  # units of the two fully connected layers
    n_side_features: int = 2  # signals joined to the first dense input (followers, hours)
    fc_activation: Literal["relu", "identity"] = "relu"  # after each fully connected layer

    def __post_init__(self) -> None:
        if self.image_size < 4 or self.image_size % 4:
            raise ValueError(f"image_size must be a positive multiple of 4, got {self.image_size}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {self.kernel_size}")
        if self.fc_activation not in ("relu", "identity"):
            raise ValueError(f"unknown fc_activation {self.fc_activation!r}")

    @property
    def pooled_outputs(self) -> int:
        """Outputs of the second max-pooling layer: 64 · 16 · 16 = 16,384 for the paper."""
        side = self.image_size // 4
        return self.conv_channels[1] * side * side


class HybridCNN(nn.Module):
    """Paper 001's hybrid CNN; ``forward(batch)`` returns the predicted target ``[B]``."""

    required_inputs: ClassVar[tuple[str, ...]] = (PIXELS, SIDE_FEATURES)

    def __init__(self, config: HybridCNNConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or HybridCNNConfig()
        padding = config.kernel_size // 2
        first, second = config.conv_channels
        self.conv1 = nn.Conv2d(config.in_channels, first, config.kernel_size, padding=padding)
        self.conv2 = nn.Conv2d(first, second, config.kernel_size, padding=padding)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(config.pooled_outputs + config.n_side_features, config.fc_units[0])
        self.fc2 = nn.Linear(config.fc_units[0], config.fc_units[1])
        self.fc_activation: nn.Module = (
            nn.ReLU() if config.fc_activation == "relu" else nn.Identity()
        )

    def forward(self, batch: RegressionBatch) -> torch.Tensor:
        check_batch(batch, self.required_inputs)
        pixels, side = batch[PIXELS], batch[SIDE_FEATURES]
        size, channels = self.config.image_size, self.config.in_channels
        if tuple(pixels.shape[1:]) != (channels, size, size):
            raise ValueError(f"pixels must be [B, {channels}, {size}, {size}], got {pixels.shape}")
        if side.dim() != 2 or side.shape[1] != self.config.n_side_features:
            raise ValueError(
                f"side features must be [B, {self.config.n_side_features}], got {side.shape}"
            )
        x = self.pool(torch.relu(self.conv1(pixels)))
        x = self.pool(torch.relu(self.conv2(x)))
        dense_input = torch.cat([x.flatten(start_dim=1), side.to(x.dtype)], dim=1)
        hidden = self.fc_activation(self.fc1(dense_input))
        return self.fc_activation(self.fc2(hidden)).sum(dim=1)
