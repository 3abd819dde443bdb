"""UHAN (paper 002 §3): attention blocks on hand-computed values, ablations, masking, training."""

import dataclasses

import pytest
import torch

from pop_pipeline.ml.models.regression.regression_inputs import (
    PATCH_FEATURES,
    USER_INDEX,
    WORD_IDS,
    WORD_MASK,
)
from pop_pipeline.ml.models.regression.uhan import (
    UHAN,
    UHAN_VARIANTS,
    UHANConfig,
    UserGuidedAttention,
    UserGuidedInterAttention,
    uhan_config,
)

SIZES = {
    "n_users": 5,
    "vocab_size": 12,
    "patch_dim": 6,
    "word_dim": 4,
    "hidden_dim": 5,
    "user_dim": 3,
    "attention_dim": 4,
    "head_dim": 6,
    "use_context": False,  # the paper's network; the context term: test_observation_context.py
}


def tiny(name: str = "uhan", seed: int = 0) -> UHAN:
    torch.manual_seed(seed)
    return UHAN(uhan_config(name, **SIZES)).eval()


def batch(seed: int = 1) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {
        PATCH_FEATURES: torch.randn(3, 4, 6, generator=generator),
        WORD_IDS: torch.tensor([[3, 5, 7, 0, 0], [1, 2, 3, 4, 5], [9, 0, 0, 0, 0]]),
        WORD_MASK: torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]]).bool(),
        USER_INDEX: torch.tensor([0, 2, 4]),
    }


def set_weight(layer: torch.nn.Linear, values: list[list[float]]) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(values))


# --- the attention blocks on hand-computed values ----------------------------------------------


def test_user_guided_attention_on_two_regions_by_hand() -> None:
    # Eq. 9–11 with every width 1 and every matrix 1: regions v_1 = 0.5, v_2 = -1, user ǔ = 2,
    # mean text h̄ = 1. tanh(0.5) = 0.462117, tanh(2) = 0.964028, tanh(1) = 0.761594, so
    # r_1 = 0.462117 · 0.964028 · 0.761594 = 0.339285 and
    # r_2 = -0.761594 · 0.964028 · 0.761594 = -0.559161;
    # α_1 = 1 / (1 + exp(r_2 - r_1)) = 1 / (1 + exp(-0.898446)) = 0.710630, α_2 = 0.289370;
    # v̇ = 0.710630 · 0.5 + 0.289370 · (-1) = 0.065945.
    attention = UserGuidedAttention(item_dim=1, guide_dims=(1, 1), attention_dim=1)
    for layer in (attention.item, attention.score, *attention.guides):
        set_weight(layer, [[1.0]])
    regions = torch.tensor([[[0.5], [-1.0]]])
    attended, weights = attention(
        regions, torch.ones(1, 2, dtype=torch.bool), (torch.tensor([[2.0]]), torch.tensor([[1.0]]))
    )
    torch.testing.assert_close(weights, torch.tensor([[0.710630, 0.289370]]), atol=1e-6, rtol=0)
    torch.testing.assert_close(attended, torch.tensor([[0.065945]]), atol=1e-6, rtol=0)


def test_user_guided_attention_ignores_masked_items() -> None:
    # A third, masked region gets weight 0 and the two real ones keep the values above.
    attention = UserGuidedAttention(item_dim=1, guide_dims=(1, 1), attention_dim=1)
    for layer in (attention.item, attention.score, *attention.guides):
        set_weight(layer, [[1.0]])
    regions = torch.tensor([[[0.5], [-1.0], [9.0]]])
    mask = torch.tensor([[True, True, False]])
    attended, weights = attention(regions, mask, (torch.tensor([[2.0]]), torch.tensor([[1.0]])))
    torch.testing.assert_close(
        weights, torch.tensor([[0.710630, 0.289370, 0.0]]), atol=1e-6, rtol=0
    )
    torch.testing.assert_close(attended, torch.tensor([[0.065945]]), atol=1e-6, rtol=0)


def test_inter_attention_by_hand() -> None:
    # Eq. 16–20 with widths 1: v̇ = 0.4, ḣ = -0.2, ǔ = 1, W_V² = 2, W_T² = 1, W_U² = 0.5,
    # W_UVT² = 3. uv = 3 · tanh(0.8) · tanh(0.5) = 3 · 0.664037 · 0.462117 = 0.920588,
    # ut = 3 · tanh(-0.2) · tanh(0.5) = 3 · (-0.197375) · 0.462117 = -0.273632,
    # a_1 = 1 / (1 + exp(ut - uv)) = 0.767495, a_2 = 0.232505,
    # s = 0.767495 · 0.4 + 0.232505 · (-0.2) = 0.260497.
    inter = UserGuidedInterAttention(hidden_dim=1, user_dim=1, attention_dim=1)
    assert inter.user is not None
    set_weight(inter.visual, [[2.0]])
    set_weight(inter.text, [[1.0]])
    set_weight(inter.user, [[0.5]])
    set_weight(inter.score, [[3.0]])
    joint, weights = inter(torch.tensor([[0.4]]), torch.tensor([[-0.2]]), torch.tensor([[1.0]]))
    torch.testing.assert_close(weights, torch.tensor([[0.767495, 0.232505]]), atol=1e-6, rtol=0)
    torch.testing.assert_close(joint, torch.tensor([[0.260497]]), atol=1e-6, rtol=0)


# --- configurations ------------------------------------------------------------------------------

EXPECTED_INPUTS = {
    "uhan": (PATCH_FEATURES, WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_intra": (PATCH_FEATURES, WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_inter": (PATCH_FEATURES, WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_intra_inter": (PATCH_FEATURES, WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_sc": (PATCH_FEATURES, WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_user": (PATCH_FEATURES, WORD_IDS, WORD_MASK),
    "uhan_no_v": (WORD_IDS, WORD_MASK, USER_INDEX),
    "uhan_no_t": (PATCH_FEATURES, USER_INDEX),
}


def test_the_name_table_has_the_papers_rows() -> None:
    assert set(UHAN_VARIANTS) == set(EXPECTED_INPUTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_INPUTS))
def test_every_variant_predicts_one_value_per_tweet_from_its_inputs_only(name: str) -> None:
    model = tiny(name)
    assert model.required_inputs == EXPECTED_INPUTS[name]
    assert model.config.required_inputs == EXPECTED_INPUTS[name]
    full = batch()
    only_required = {key: full[key] for key in model.required_inputs}
    out = model(only_required)
    assert out.shape == (3,)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()


def test_a_missing_input_is_named() -> None:
    inputs = batch()
    del inputs[WORD_MASK]
    with pytest.raises(KeyError, match="word_mask"):
        tiny()(inputs)


def test_invalid_configurations_are_refused() -> None:
    with pytest.raises(KeyError, match="uhan_nope"):
        uhan_config("uhan_nope", **SIZES)
    with pytest.raises(ValueError, match="modality"):
        UHANConfig(**SIZES, use_visual=False, use_text=False)
    with pytest.raises(ValueError, match="shortcut"):
        UHANConfig(**SIZES, use_user=False)
    with pytest.raises(ValueError, match="hidden_dim"):
        UHANConfig(**{**SIZES, "hidden_dim": 0})


def test_configs_serialise() -> None:
    config = uhan_config("uhan_no_v", **SIZES)
    assert UHANConfig(**dataclasses.asdict(config)) == config


# --- the ablations really remove their component -------------------------------------------------


def test_no_v_ignores_the_image_and_no_t_ignores_the_caption() -> None:
    inputs, other = batch(1), batch(2)
    no_v = tiny("uhan_no_v")
    assert no_v.regions is None and no_v.visual_attention is None
    assert torch.equal(no_v(inputs), no_v({**inputs, PATCH_FEATURES: other[PATCH_FEATURES]}))
    no_t = tiny("uhan_no_t")
    assert no_t.words is None and no_t.lstm is None
    shuffled = {**inputs, WORD_IDS: inputs[WORD_IDS].flip(1), WORD_MASK: inputs[WORD_MASK].flip(1)}
    assert torch.equal(no_t(inputs), no_t(shuffled))
    # ...while the full model reads both.
    full = tiny("uhan")
    assert not torch.equal(full(inputs), full({**inputs, PATCH_FEATURES: other[PATCH_FEATURES]}))
    assert not torch.equal(full(inputs), full({**inputs, WORD_IDS: inputs[WORD_IDS] % 11 + 1}))


def test_no_user_ignores_the_user_and_full_model_does_not() -> None:
    inputs = batch()
    other_users = {**inputs, USER_INDEX: torch.tensor([3, 1, 0])}
    no_user = tiny("uhan_no_user")
    assert no_user.users is None and no_user.shortcut is None
    assert torch.equal(no_user(inputs), no_user(other_users))
    assert not torch.equal(tiny("uhan")(inputs), tiny("uhan")(other_users))


def test_no_intra_pools_regions_and_words_uniformly() -> None:
    # Two images with the same mean region give the same prediction without intra-attention,
    # not with it.
    inputs = batch()
    regions = inputs[PATCH_FEATURES]
    same_mean = regions.mean(dim=1, keepdim=True).expand_as(regions)
    no_intra = tiny("uhan_no_intra")
    assert no_intra.visual_attention is None and no_intra.text_attention is None
    torch.testing.assert_close(no_intra(inputs), no_intra({**inputs, PATCH_FEATURES: same_mean}))
    full = tiny("uhan")
    assert not torch.allclose(full(inputs), full({**inputs, PATCH_FEATURES: same_mean}))


def test_no_inter_averages_the_two_attended_modalities() -> None:
    # s = (v̇ + ḣ) / 2 + W_U³ ǔ: recompute from the model's own blocks.
    model = tiny("uhan_no_inter")
    assert model.inter_attention is None
    inputs = batch()
    assert model.regions is not None and model.visual_attention is not None
    assert model.text_attention is not None and model.users is not None
    assert model.shortcut is not None
    user = model.users(inputs[USER_INDEX])
    regions = model.regions(inputs[PATCH_FEATURES])
    states, mask, text_mean = model._encode_words(inputs)
    visual, _ = model.visual_attention(
        regions, torch.ones(3, 4, dtype=torch.bool), (user, text_mean)
    )
    text, _ = model.text_attention(states, mask, (user, regions.mean(dim=1)))
    expected = model.head(0.5 * (visual + text) + model.shortcut(user)).squeeze(-1)
    torch.testing.assert_close(model(inputs), expected)


def test_no_sc_drops_only_the_shortcut() -> None:
    full, no_sc = tiny("uhan"), tiny("uhan_no_sc")
    assert no_sc.shortcut is None and full.shortcut is not None
    names = {name for name, _ in full.named_parameters()}
    assert names - {name for name, _ in no_sc.named_parameters()} == {"shortcut.weight"}


# --- masking, gradients, determinism, learning ----------------------------------------------------


def test_padding_words_anywhere_does_not_change_the_prediction() -> None:
    model = tiny()
    inputs = batch()
    # Tweet 0's caption [3, 5, 7], right-padded in `batch`; here left-padded and interleaved,
    # with junk ids under the padding.
    left = torch.tensor([[4, 4, 3, 5, 7], [1, 2, 3, 4, 5], [8, 9, 8, 8, 8]])
    left_mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 1, 0, 0, 0]]).bool()
    wider = torch.cat([inputs[WORD_IDS], torch.full((3, 3), 11)], dim=1)
    wider_mask = torch.cat([inputs[WORD_MASK], torch.zeros(3, 3, dtype=torch.bool)], dim=1)
    expected = model(inputs)
    torch.testing.assert_close(model({**inputs, WORD_IDS: left, WORD_MASK: left_mask}), expected)
    torch.testing.assert_close(model({**inputs, WORD_IDS: wider, WORD_MASK: wider_mask}), expected)


def test_a_caption_without_words_gives_a_finite_prediction_and_gradients() -> None:
    model = tiny()
    inputs = {**batch(), WORD_MASK: torch.zeros(3, 5, dtype=torch.bool)}
    out = model(inputs)
    assert torch.isfinite(out).all()
    out.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_gradients_reach_every_parameter() -> None:
    model = tiny().train()
    model(batch()).pow(2).sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


def test_same_seed_same_model_and_prediction() -> None:
    first, second, other = tiny(seed=3), tiny(seed=3), tiny(seed=4)
    assert torch.equal(first(batch()), second(batch()))
    assert not torch.equal(first(batch()), other(batch()))


def test_initial_output_sets_the_output_bias() -> None:
    torch.manual_seed(0)
    model = UHAN(UHANConfig(**SIZES, initial_output=7.5))
    assert model.head[2].bias.item() == 7.5


def test_a_tiny_uhan_learns_a_user_dependent_target() -> None:
    # 64 tweets by 4 users; the target is the user's level plus a little image signal. The
    # variance of the target is ~1.3; 300 Adam steps bring the MSE well below it.
    generator = torch.Generator().manual_seed(0)
    n = 64
    users = torch.arange(n) % 4 + 1
    patches = torch.randn(n, 4, 6, generator=generator)
    words = torch.randint(1, 12, (n, 5), generator=generator)
    target = torch.tensor([0.0, -1.5, -0.5, 0.5, 1.5])[users] + 0.2 * patches[:, 0, 0]
    inputs = {
        PATCH_FEATURES: patches,
        WORD_IDS: words,
        WORD_MASK: torch.ones(n, 5, dtype=torch.bool),
        USER_INDEX: users,
    }
    model = tiny().train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), target)
        loss.backward()
        optimiser.step()
    assert loss.item() < 0.1 * target.var().item()
