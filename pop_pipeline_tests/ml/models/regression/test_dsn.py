"""DSN (paper 004 §3): blocks on hand-computed values, ablations, padding, gradients, training."""

import dataclasses

import pytest
import torch

from pop_pipeline.ml.models.regression.dsn import (
    DSN,
    DSN_INPUTS,
    DSN_VARIANTS,
    DSNConfig,
    dsn_config,
)
from pop_pipeline.ml.models.regression.dsn_layers import (
    GatedLinearUnit,
    HCELayer,
    HierarchicalCategoryEmbedding,
    ResidualAdapter,
    TargetAttention,
)
from pop_pipeline.ml.models.regression.regression_inputs import (
    SEQUENCE_CATEGORY_IDS,
    SEQUENCE_IMAGE_EMBEDDING,
    SEQUENCE_MASK,
    SEQUENCE_TEXT_EMBEDDING,
    USER_FEATURES,
    USER_INDEX,
)

SIZES = {
    "n_users": 4,
    "clip_dim": 6,
    "user_feature_dim": 3,
    "category_vocab_sizes": (3, 4, 5),
    "hidden_dim": 8,
    "n_heads": 2,
    "user_dim": 3,
    "dropout": 0.1,
    "use_context": False,  # the paper's network; the context term: test_observation_context.py
}


def tiny(name: str = "dsn", seed: int = 0, **fields: object) -> DSN:
    torch.manual_seed(seed)
    return DSN(dsn_config(name, **{**SIZES, **fields})).eval()


def window(length: int, seed: int = 1, batch: int = 3) -> dict[str, torch.Tensor]:
    """A batch of full windows of ``length`` posts (no padding)."""
    generator = torch.Generator().manual_seed(seed)
    return {
        SEQUENCE_IMAGE_EMBEDDING: torch.randn(batch, length, 6, generator=generator),
        SEQUENCE_TEXT_EMBEDDING: torch.randn(batch, length, 6, generator=generator),
        SEQUENCE_CATEGORY_IDS: torch.stack(
            [torch.randint(0, size, (batch, length), generator=generator) for size in (3, 4, 5)],
            dim=-1,
        ),
        SEQUENCE_MASK: torch.ones(batch, length, dtype=torch.bool),
        USER_FEATURES: torch.randn(batch, 3, generator=generator),
        USER_INDEX: torch.arange(batch) % 4,
    }


def left_pad(inputs: dict[str, torch.Tensor], extra: int, seed: int) -> dict[str, torch.Tensor]:
    """``inputs`` with ``extra`` padded posts in front, holding random junk."""
    junk = window(extra, seed=seed, batch=inputs[SEQUENCE_MASK].shape[0])
    padded = dict(inputs)
    for name in (SEQUENCE_IMAGE_EMBEDDING, SEQUENCE_TEXT_EMBEDDING, SEQUENCE_CATEGORY_IDS):
        padded[name] = torch.cat([junk[name], inputs[name]], dim=1)
    padded[SEQUENCE_MASK] = torch.cat([~junk[SEQUENCE_MASK], inputs[SEQUENCE_MASK]], dim=1)
    return padded


def set_parameter(parameter: torch.Tensor, values: object) -> None:
    with torch.no_grad():
        parameter.copy_(torch.as_tensor(values, dtype=parameter.dtype).reshape(parameter.shape))


# --- the blocks on hand-computed values -------------------------------------------------------


def adapter_by_hand() -> ResidualAdapter:
    # One CLIP dimension, d_hidden = 1, α = 0.2; the 3-tap convolution reads
    # (previous, this, next) post with weights (0.5, 1, -1) and bias 0.1; the 1-tap one is
    # 2x - 0.5.
    adapter = ResidualAdapter(in_dim=1, out_dim=1, ratio=0.2)
    set_parameter(adapter.adapted.weight, [0.5, 1.0, -1.0])
    set_parameter(adapter.adapted.bias, [0.1])
    set_parameter(adapter.kept.weight, [2.0])
    set_parameter(adapter.kept.bias, [-0.5])
    return adapter


def test_residual_adapter_by_hand() -> None:
    # x = (1, -2, 3), zero padding at both ends:
    # Conv_3: 0.5·0 + 1 + 2 + 0.1 = 3.1; 0.5 - 2 - 3 + 0.1 = -4.4; -1 + 3 - 0 + 0.1 = 2.1
    # ReLU:   3.1, 0, 2.1                 Conv_1: 1.5, -4.5, 5.5
    # A = 0.8·ReLU + 0.2·Conv_1 = (2.48 + 0.3, 0 - 0.9, 1.68 + 1.1) = (2.78, -0.9, 2.78)
    out = adapter_by_hand()(torch.tensor([[[1.0], [-2.0], [3.0]]]), torch.ones(1, 3).bool())
    torch.testing.assert_close(out, torch.tensor([[[2.78], [-0.9], [2.78]]]))


def test_residual_adapter_reads_padding_as_the_window_edge() -> None:
    # The padded first post (junk 100) is zeroed: x = (0, -2, 3), so
    # Conv_3 at post 2: 0 - 2 - 3 + 0.1 = -4.9 → ReLU 0, A = 0.2 · (-4.5) = -0.9; post 3 as above,
    # 2.78: the same as the unpadded window (-2, 3).
    adapter = adapter_by_hand()
    padded = adapter(torch.tensor([[[100.0], [-2.0], [3.0]]]), torch.tensor([[False, True, True]]))
    alone = adapter(torch.tensor([[[-2.0], [3.0]]]), torch.ones(1, 2).bool())
    torch.testing.assert_close(padded[:, 1:], torch.tensor([[[-0.9], [2.78]]]))
    torch.testing.assert_close(padded[:, 1:], alone)


def test_hce_layer_gate_by_hand() -> None:
    # d = 1. Gate (eq. 7): W_1 = 2, b_1 = 0.5, W_2 = 1, W_3 = -1, b_2 = 0; W_k = (1, 0.5) over
    # [f^k ‖ gated]. f^{k-1*} = 1, f^k = 0.5:
    # value = 2·1 + 0.5 = 2.5; σ(1·1 - 1·0.5 + 0) = σ(0.5) = 0.622459; gated = 1.556148;
    # f^{k*} = 1·0.5 + 0.5·1.556148 = 1.278074.
    layer = HCELayer(1)
    assert layer.gate.context is not None
    set_parameter(layer.gate.value.weight, [2.0])
    set_parameter(layer.gate.value.bias, [0.5])
    set_parameter(layer.gate.gate.weight, [1.0])
    set_parameter(layer.gate.gate.bias, [0.0])
    set_parameter(layer.gate.context.weight, [-1.0])
    set_parameter(layer.combine.weight, [1.0, 0.5])
    gated = layer.gate(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
    torch.testing.assert_close(gated, torch.tensor([[1.556148]]))
    out = layer(torch.tensor([[1.0]]), torch.tensor([[0.5]]))
    torch.testing.assert_close(out, torch.tensor([[1.278074]]))


def test_hierarchical_category_embedding_chains_the_levels() -> None:
    torch.manual_seed(0)
    hce = HierarchicalCategoryEmbedding((3, 4, 5), dim=2)
    ids = torch.tensor([[2, 1, 4]])
    first = hce.embeddings[0](ids[:, 0])
    second = hce.layers[0](first, hce.embeddings[1](ids[:, 1]))
    expected = hce.layers[1](second, hce.embeddings[2](ids[:, 2]))
    torch.testing.assert_close(hce(ids), expected)
    assert len(hce.layers) == 2


def test_one_input_gate_refuses_a_context_and_two_input_gate_needs_one() -> None:
    with pytest.raises(ValueError, match="second input"):
        GatedLinearUnit(2, context_dim=2)(torch.zeros(1, 2))
    assert GatedLinearUnit(2).context is None


def test_target_attention_by_hand() -> None:
    # One head, d = 2, W^Q = W^K = W^V = W^O = I. Target Φ_l = (1, 0); earlier posts (1, 0),
    # (0, 1) and a padded (5, 5). Scores (1, 0)/√2 = (0.707107, 0); softmax over the two real
    # posts: 1/(1 + e^-0.707107) = 0.669762 and 0.330238; h = (0.669762, 0.330238).
    attention = TargetAttention(2, n_heads=1)
    for layer in (attention.query, attention.key, attention.value, attention.output):
        set_parameter(layer.weight, torch.eye(2))
    context = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    attended, weights = attention(
        torch.tensor([[1.0, 0.0]]), context, torch.tensor([[True, True, False]])
    )
    torch.testing.assert_close(weights, torch.tensor([[[0.669762, 0.330238, 0.0]]]))
    torch.testing.assert_close(attended, torch.tensor([[0.669762, 0.330238]]))


def test_target_attention_without_earlier_posts_is_zero() -> None:
    torch.manual_seed(0)
    attention = TargetAttention(4, n_heads=2)
    empty, _ = attention(torch.randn(2, 4), torch.zeros(2, 0, 4), torch.zeros(2, 0).bool())
    masked, weights = attention(torch.randn(2, 4), torch.randn(2, 3, 4), torch.zeros(2, 3).bool())
    assert torch.equal(empty, torch.zeros(2, 4))
    assert torch.equal(masked, torch.zeros(2, 4))
    assert torch.equal(weights, torch.zeros(2, 2, 3))


# --- configurations ------------------------------------------------------------------------------

LENGTHS = {"dsn_l1": 1, "dsn_l4": 4, "dsn": 8, "dsn_l16": 16, "dsn_no_short": 8, "dsn_no_long": 8}


def test_the_name_table_has_the_papers_rows_and_window_lengths() -> None:
    assert set(DSN_VARIANTS) == set(LENGTHS)
    for name, length in LENGTHS.items():
        assert dsn_config(name, **SIZES).sequence_length == length


@pytest.mark.parametrize("name", sorted(LENGTHS))
def test_every_variant_predicts_one_value_per_post_on_its_window(name: str) -> None:
    model = tiny(name)
    assert model.required_inputs == DSN_INPUTS == model.config.required_inputs
    out = model(window(model.config.sequence_length))
    assert out.shape == (3,)
    assert torch.isfinite(out).all()
    assert model(window(1)).shape == (3,)  # any window length runs


def test_paper_defaults() -> None:
    config = DSNConfig(n_users=2, clip_dim=4, user_feature_dim=1, category_vocab_sizes=[2, 3, 4])
    assert (config.hidden_dim, config.n_heads, config.dropout) == (256, 4, 0.25)
    assert (config.alpha, config.beta, config.sequence_length) == (0.2, 0.6, 8)
    assert config.category_vocab_sizes == (2, 3, 4)
    assert DSNConfig(**dataclasses.asdict(config)) == config


def test_invalid_configurations_are_refused() -> None:
    with pytest.raises(KeyError, match="dsn_l32"):
        dsn_config("dsn_l32", **SIZES)
    with pytest.raises(ValueError, match="n_heads"):
        DSNConfig(**{**SIZES, "n_heads": 3})
    with pytest.raises(ValueError, match="alpha"):
        DSNConfig(**{**SIZES, "alpha": 1.5})
    with pytest.raises(ValueError, match="sequence_length"):
        DSNConfig(**{**SIZES, "sequence_length": 0})


def test_a_missing_input_is_named() -> None:
    inputs = window(4)
    del inputs[USER_FEATURES]
    with pytest.raises(KeyError, match="user_features"):
        tiny()(inputs)


# --- padding, ablations -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dsn", "dsn_no_short", "dsn_no_long"])
@pytest.mark.parametrize("length", [1, 3])
def test_left_padding_does_not_change_the_prediction(name: str, length: int) -> None:
    model = tiny(name)
    inputs = window(length)
    expected = model(inputs)
    torch.testing.assert_close(model(left_pad(inputs, 5, seed=7)), expected)
    torch.testing.assert_close(model(left_pad(inputs, 5, seed=8)), expected)


def test_earlier_posts_matter_to_the_full_model() -> None:
    model = tiny()
    inputs = window(4)
    changed = dict(inputs)
    changed[SEQUENCE_IMAGE_EMBEDDING] = inputs[SEQUENCE_IMAGE_EMBEDDING].clone()
    changed[SEQUENCE_IMAGE_EMBEDDING][:, 0] += 1.0  # beyond the adapter's reach of the target
    assert not torch.allclose(model(inputs), model(changed))


def test_no_short_has_no_lstm_and_uses_the_downscaled_posts() -> None:
    full, no_short = tiny(), tiny("dsn_no_short")
    assert no_short.lstm is None and no_short.lstm_gate is None and no_short.grn is None
    removed = {n for n, _ in full.named_parameters()} - {n for n, _ in no_short.named_parameters()}
    assert {name.split(".")[0] for name in removed} == {"lstm", "lstm_gate", "grn"}
    posts = torch.randn(2, 4, 24)
    mask = torch.ones(2, 4, dtype=torch.bool)
    expected = no_short.norm(no_short.down(posts))
    torch.testing.assert_close(no_short.local_processing(posts, mask), expected)


def test_no_long_has_no_attention_and_reads_the_target_alone() -> None:
    full, no_long = tiny(), tiny("dsn_no_long")
    assert no_long.attention is None and full.attention is not None
    assert no_long.ffn[0].in_features == 8 and full.ffn[0].in_features == 16
    inputs = window(4)
    mask = inputs[SEQUENCE_MASK]
    posts = torch.cat(
        [
            no_long.image_adapter(inputs[SEQUENCE_IMAGE_EMBEDDING], mask),
            no_long.text_adapter(inputs[SEQUENCE_TEXT_EMBEDDING], mask),
            no_long.categories(inputs[SEQUENCE_CATEGORY_IDS]),
        ],
        dim=-1,
    )
    post = no_long.ffn(no_long.local_processing(posts, mask)[:, -1])
    user = torch.cat([inputs[USER_FEATURES], no_long.users(inputs[USER_INDEX])], dim=-1)
    expected = no_long.mlp(torch.cat([post, user], dim=-1)).squeeze(-1)
    torch.testing.assert_close(no_long(inputs), expected)


# --- gradients, determinism, learning -----------------------------------------------------------


def test_gradients_reach_every_parameter() -> None:
    model = tiny().train()
    model(window(5)).pow(2).sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


def test_same_seed_same_model_and_prediction() -> None:
    first, second, other = tiny(seed=3), tiny(seed=3), tiny(seed=4)
    assert torch.equal(first(window(4)), second(window(4)))
    assert not torch.equal(first(window(4)), other(window(4)))


def test_initial_output_sets_the_output_bias() -> None:
    assert tiny(initial_output=6.5).mlp[3].bias.item() == 6.5


def test_a_tiny_dsn_learns_from_the_user_features_and_the_target_category() -> None:
    # 64 windows of 4 posts; the target is 1.5 × the first user feature plus a level per
    # top-level category of the target post. 300 Adam steps bring the MSE well below its
    # variance.
    inputs = window(4, seed=5, batch=64)
    levels = torch.tensor([-1.0, 0.0, 1.0])
    target = 1.5 * inputs[USER_FEATURES][:, 0] + levels[inputs[SEQUENCE_CATEGORY_IDS][:, -1, 0]]
    model = tiny(dropout=0.0).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(model(inputs), target)
        loss.backward()
        optimiser.step()
    assert loss.item() < 0.1 * target.var().item()
