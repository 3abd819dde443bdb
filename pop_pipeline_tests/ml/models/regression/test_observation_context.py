"""The observation-context term of UHAN and DSN: hand-computed fits and outputs."""

import pytest
import torch

from pop_pipeline.ml.models.regression.dsn import DSN, DSN_INPUTS, dsn_config
from pop_pipeline.ml.models.regression.observation_context import ObservationContext
from pop_pipeline.ml.models.regression.regression_inputs import SIDE_FEATURES
from pop_pipeline.ml.models.regression.uhan import UHAN, uhan_config
from pop_pipeline_tests.ml.models.regression import test_dsn, test_uhan


def test_least_squares_recovers_an_exact_linear_residual() -> None:
    # residual = 1 + 2·a − 3·b on four corners of the unit square: the fit is exact
    side = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    residual = torch.tensor([1.0, 3.0, -2.0, 0.0])
    context = ObservationContext()
    context.fit_least_squares(side, residual)
    torch.testing.assert_close(context.linear.weight, torch.tensor([[2.0, -3.0]]))
    torch.testing.assert_close(context.linear.bias, torch.tensor([1.0]))
    torch.testing.assert_close(context(torch.tensor([[2.0, 1.0]])), torch.tensor([2.0]))


def test_least_squares_on_noisy_points_by_hand() -> None:
    # one feature used, the other constant 0: y = 0, 1, 5 at x = 0, 1, 2 → slope 2.5,
    # intercept −0.5 (x̄ = 1, ȳ = 2, Σ(x−x̄)(y−ȳ) = 5, Σ(x−x̄)² = 2)
    side = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    context = ObservationContext()
    context.fit_least_squares(side, torch.tensor([0.0, 1.0, 5.0]))
    torch.testing.assert_close(context(side), torch.tensor([-0.5, 2.0, 4.5]))


def test_an_unfitted_term_adds_nothing_and_bad_shapes_are_refused() -> None:
    context = ObservationContext()
    torch.testing.assert_close(context(torch.randn(4, 2)), torch.zeros(4))
    with pytest.raises(ValueError, match="side features"):
        context.fit_least_squares(torch.zeros(3, 3), torch.zeros(3))
    with pytest.raises(ValueError, match="residual"):
        context.fit_least_squares(torch.zeros(3, 2), torch.zeros(2))


def _set_context(model: UHAN | DSN) -> None:
    assert isinstance(model.context, ObservationContext)
    with torch.no_grad():
        model.context.linear.weight.copy_(torch.tensor([[0.5, -2.0]]))
        model.context.linear.bias.fill_(0.25)


SIDE = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]])
ADDED = torch.tensor([0.75, -1.75, -4.75])  # 0.5·a − 2·b + 0.25, per row of SIDE


def test_uhan_adds_the_term_to_the_papers_output() -> None:
    sizes = {**test_uhan.SIZES, "use_context": True}
    torch.manual_seed(0)
    with_context = UHAN(uhan_config("uhan", **sizes)).eval()
    paper = test_uhan.tiny("uhan", seed=0)  # the same draws: the term is built last, at zero
    assert with_context.required_inputs == (*paper.required_inputs, SIDE_FEATURES)
    inputs = test_uhan.batch()
    torch.testing.assert_close(with_context({**inputs, SIDE_FEATURES: SIDE}), paper(inputs))
    _set_context(with_context)
    got = with_context({**inputs, SIDE_FEATURES: SIDE})
    torch.testing.assert_close(got, paper(inputs) + ADDED)


def test_dsn_adds_the_term_to_the_papers_output() -> None:
    sizes = {**test_dsn.SIZES, "use_context": True}
    torch.manual_seed(0)
    with_context = DSN(dsn_config("dsn_l4", **sizes)).eval()
    paper = test_dsn.tiny("dsn_l4", seed=0)
    assert paper.required_inputs == DSN_INPUTS
    assert with_context.required_inputs == (*DSN_INPUTS, SIDE_FEATURES)
    inputs = test_dsn.window(4)
    _set_context(with_context)
    got = with_context({**inputs, SIDE_FEATURES: SIDE})
    torch.testing.assert_close(got, paper(inputs) + ADDED)
