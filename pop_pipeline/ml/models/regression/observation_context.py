"""The observation-context term of UHAN and DSN: a linear function of the side features.

A departure from papers 002 and 004, shared by both models. The popularity score
``log2(views / days + 1)`` of their protocols depends on two things every prediction knows and
neither paper's network reads as a number: the author's audience (follower count) and how long
the tweet has been observable (hours from posting to collection, or to the prediction). On the
chronological splits the test tweets are the newest, so their hours elapsed lie below the
training range; a network that meets time only through one-hot posting dates (DSN's Table 1) or
not at all (UHAN) cannot extrapolate it, and both fell behind a two-feature linear regression
(docs/BENCHMARKS.md). The term is Hybrid CNN's design (paper 001 joins the same two numbers to
its first fully connected layer) in its simplest form:

    ŷ = network(post, user) + w · [log1p(followers), log1p(hours elapsed)] + b

``w`` and ``b`` start at the least-squares fit of the training targets' residual from the
network's initial output (:meth:`ObservationContext.fit_least_squares`), so training starts
from the linear model and the network learns what the content adds to it. ``use_context=False``
in either model's config gives the paper's network alone.
"""

from __future__ import annotations

import torch
from torch import nn

CONTEXT_FEATURES = 2  # log1p(author followers), log1p(hours elapsed): SIDE_FEATURES


class ObservationContext(nn.Module):
    """``w · side + b`` per tweet, ``side [B, F]`` → ``[B]``; zero until fitted or trained."""

    def __init__(self, n_features: int = CONTEXT_FEATURES) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, side: torch.Tensor) -> torch.Tensor:
        return self.linear(side).squeeze(-1)

    @torch.no_grad()
    def fit_least_squares(self, side: torch.Tensor, residual: torch.Tensor) -> None:
        """Set ``w, b`` to the least-squares fit of ``residual [N]`` on ``side [N, F]``.

        Raises:
            ValueError: the shapes disagree or there are no rows.
        """
        if side.ndim != 2 or side.shape[1] != self.linear.in_features:
            raise ValueError(
                f"side features must be [N, {self.linear.in_features}], got {side.shape}"
            )
        if residual.shape != (side.shape[0],) or side.shape[0] == 0:
            raise ValueError(
                f"residual must be [N] with N = {side.shape[0]} ≥ 1, got {residual.shape}"
            )
        design = torch.cat([side.double(), torch.ones(side.shape[0], 1, dtype=torch.float64)], 1)
        solution = torch.linalg.lstsq(design, residual.double().unsqueeze(1)).solution.squeeze(1)
        self.linear.weight.copy_(solution[:-1].to(self.linear.weight.dtype).unsqueeze(0))
        self.linear.bias.copy_(solution[-1:].to(self.linear.bias.dtype))
