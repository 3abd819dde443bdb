"""DSN: dependency-aware sequence network for social media popularity.

Paper 004 (DSN), §3 and Fig. 2; hyperparameters from §4.2; ablations from §4.6 (Tables 3, 7).
For a target post ``p_i`` it reads the chronological window ``P_i = (p_{i−l+1}, …, p_i)`` of the
posts before it across all users (§3.1, eq. 2), the target last, and its author:

- visual-language adapters (§3.3, eq. 3–5)      ``f_v = A_v(f_v^origin)``,
  ``f_t = A_t(f_t^origin)``,
  ``A(x) = (1 − α) ReLU(Conv_3×3(x)) + α Conv_1×1(x)``, α = 0.2 (image), β = 0.6 (text)
- hierarchical category embedding (§3.4, eq. 6–9) ``f_c = HCE_3(HCE_2(f_c^1, f_c^2), f_c^3)``
- post representation (eq. 10)                  ``f = [f_v ‖ f_t ‖ f_c]``, ``[l, 3d]``
- local processing (§3.5, eq. 11–13)            ``O = LSTM(f)``,
  ``Θ = LayerNorm(Gate_o(O) + f W)``, ``Φ = GRN(Θ)``
- long-term attention (eq. 17–19)               ``h = Attention(q, K, V)``, ``q = Φ_l W^Q``,
  ``K = Φ_{1:l−1} W^K``, ``V = Φ_{1:l−1} W^V``
- feed-forward fusion (eq. 20)                  ``h̃ = ReLU([h ‖ Φ_l] W_1 + b_1) W_2 + b_2``
- prediction (§3.6, eq. 21)                     ``ŝ = MLP(h̃ ‖ u)``, ``u`` = user features and the
  learned user embedding

trained with the MSE (in the training loop, not here). The blocks are in
:mod:`pop_pipeline.ml.models.regression.dsn_layers`.

Ablations, as fields of one :class:`DSNConfig` (the name table :data:`DSN_VARIANTS`):

- ``dsn_l1``, ``dsn_l4``, ``dsn`` (l = 8, the paper's DSN), ``dsn_l16`` (Table 3): the window
  length ``sequence_length``. It is a data-side setting (the feature assembly builds windows of
  that length); the model itself runs on any ``L ≥ 1``, so it is not checked against the batch.
- ``dsn_no_short`` (Table 7, "w/o short-term dependency": "LSTM with the gating layers"): eq.
  11–13 are removed except the down-scaling that eq. 12's residual branch already applies,
  ``Φ = LayerNorm(f W)``; the attention then sees the posts as an unordered set.
- ``dsn_no_long`` (Table 7, "w/o long-term dependency": "the attention mechanism"): eq. 17–19
  are removed and eq. 20's FFN reads the target alone, ``h̃ = FFN(Φ_l)`` (``W_1 ∈ R^{d×d}``).

Every configuration reads the same inputs, :attr:`DSNConfig.required_inputs` (also
``model.required_inputs``): the six sequence, user-feature and user-index tensors of
:data:`DSN_INPUTS`, and the side features when the observation-context term is on.

Departures and choices where the paper is silent:

- "3×3" and "1×1" convolutions over ``f^origin ∈ R^{l×d_origin}`` that each downscale
  ``d_origin → d_hidden`` are laid out with the CLIP dimensions as channels and the ``l`` posts
  as a 1-D signal: kernel 3 spans a post and its two neighbours, kernel 1 one post (a 2-D 3×3
  kernel on an ``l × 1`` grid would touch only zero padding with two of its columns). Padded
  posts are zeroed before the convolution, so padding reads as the window's edge.
- HCE: level 1 has no coarser level, so ``f_c^{1*} = f_c^1`` and the HCE layers combine levels
  2 and 3 (eq. 9's ``W_k`` without bias, as written).
- Padding: the window is left-padded where fewer posts precede the target
  (:data:`SEQUENCE_MASK`); the LSTM runs over the real posts only
  (:func:`~pop_pipeline.ml.models.regression.sequence_masking.run_real_first`), padded posts get no
  attention weight, and a target with no real earlier post gets ``h = 0``. The prediction is
  thus the same as for the unpadded, shorter window.
- Multi-head attention: each of ``n_heads`` heads scales by ``√d_head`` and the heads are mixed
  by an output matrix ``W^O``, as in [31]; eq. 17 (one head) scales by ``√d_hidden``, the same
  for one head.
- Dropout (§4.2: 0.25) is applied to ``f`` (eq. 10), to ``η_1`` inside the GRN, after the FFN's
  ReLU (eq. 20) and after the MLP's hidden layer (eq. 21); the paper does not say where.
- The MLP of eq. 21 has one hidden layer of ``hidden_dim`` units with ReLU.
- User features (:data:`USER_FEATURES`) are the feature assembly's: z-scored counts, account
  age, one-hot month/day/hour (Table 1's SMPD entries do not exist in our world); the learned
  user embedding (``user_dim``, not in the paper) has row 0 for the unseen user.
- ``initial_output`` sets the output bias at construction (e.g. to the training target mean).
- Observation context (``use_context``, on by default; not in the paper): eq. 21's output plus
  a linear term on log1p(author followers) and log1p(hours elapsed) (:data:`SIDE_FEATURES`),
  started at the training split's least-squares fit. The one-hot posting month/day/hour of
  Table 1 cannot extrapolate to the newer test posts of a chronological split; the numeric
  hours elapsed can (:mod:`pop_pipeline.ml.models.regression.observation_context`).
  ``use_context=False``
  is the paper's DSN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.models.regression.dsn_layers import (
    GatedLinearUnit,
    GatedResidualNetwork,
    HierarchicalCategoryEmbedding,
    ResidualAdapter,
    TargetAttention,
)
from pop_pipeline.ml.models.regression.observation_context import ObservationContext
from pop_pipeline.ml.models.regression.regression_inputs import (
    SEQUENCE_CATEGORY_IDS,
    SEQUENCE_IMAGE_EMBEDDING,
    SEQUENCE_MASK,
    SEQUENCE_TEXT_EMBEDDING,
    SIDE_FEATURES,
    USER_FEATURES,
    USER_INDEX,
    check_batch,
)
from pop_pipeline.ml.models.regression.sequence_masking import run_real_first

# The paper's DSN rows (Tables 3 and 7) as overrides of DSNConfig ("dsn" is DSNConfig itself).
DSN_VARIANTS: dict[str, dict[str, int | bool]] = {
    "dsn_l1": {"sequence_length": 1},
    "dsn_l4": {"sequence_length": 4},
    "dsn": {},
    "dsn_l16": {"sequence_length": 16},
    "dsn_no_short": {"use_short": False},
    "dsn_no_long": {"use_long": False},
}

DSN_INPUTS: tuple[str, ...] = (
    SEQUENCE_IMAGE_EMBEDDING,
    SEQUENCE_TEXT_EMBEDDING,
    SEQUENCE_CATEGORY_IDS,
    SEQUENCE_MASK,
    USER_FEATURES,
    USER_INDEX,
)


@dataclass(frozen=True)
class DSNConfig:
    """Hyperparameters of :class:`DSN` (JSON-serialisable with ``dataclasses.asdict``)."""

    n_users: int  # rows of the user embedding; row 0 is the unseen user
    clip_dim: int  # width d_origin of the CLIP image and text embeddings
    user_feature_dim: int  # width F of the user-feature vector
    category_vocab_sizes: tuple[int, ...]  # ids per category level, coarse to fine (paper: 3)
    hidden_dim: int = 256  # d_hidden, every hidden layer's width (paper §4.2: 256)
    n_heads: int = 4  # attention heads (paper §4.2: 4)
    user_dim: int = 256  # width of the learned user embedding (not in the paper)
    dropout: float = 0.25  # dropout probability (paper §4.2: 0.25)
    # window length l the data side builds (paper 004, Table 3: DSN uses 8); the one default of
    # l: the feature config and the DSN run configs read it from here
    sequence_length: int = 8
    alpha: float = 0.2  # residual ratio of the visual adapter (paper: 0.2)
    beta: float = 0.6  # residual ratio of the textual adapter (paper: 0.6)
    use_short: bool = True  # False: no LSTM + gating local processing (w/o short-term)
    use_long: bool = True  # False: no multi-head attention (w/o long-term)
    use_context: bool = True  # the observation-context term (departure; observation_context.py)
    initial_output: float = 0.0  # initial value of the MLP's output bias

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_vocab_sizes", tuple(self.category_vocab_sizes))
        sizes = ("n_users", "clip_dim", "hidden_dim", "n_heads", "user_dim", "sequence_length")
        if small := [name for name in sizes if getattr(self, name) < 1]:
            raise ValueError(f"{', '.join(small)} must be at least 1")
        if self.user_feature_dim < 0:
            raise ValueError("user_feature_dim must be at least 0")
        if not self.category_vocab_sizes or min(self.category_vocab_sizes) < 1:
            raise ValueError("category_vocab_sizes needs at least one level of size ≥ 1")
        if self.hidden_dim % self.n_heads:
            raise ValueError(f"hidden_dim {self.hidden_dim} is not a multiple of n_heads")
        if not (0.0 <= self.alpha <= 1.0 and 0.0 <= self.beta <= 1.0):
            raise ValueError("the residual ratios alpha and beta must lie in [0, 1]")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must lie in [0, 1)")

    @property
    def required_inputs(self) -> tuple[str, ...]:
        """The batch inputs this configuration reads: :data:`DSN_INPUTS`, and the side
        features with the observation-context term."""
        return DSN_INPUTS + ((SIDE_FEATURES,) if self.use_context else ())


def dsn_config(name: str, **fields: object) -> DSNConfig:
    """The configuration of the named variant (a key of :data:`DSN_VARIANTS`).

    ``fields`` are the sizes and other fields, e.g. ``DSN(dsn_config("dsn_l4", n_users=129,
    clip_dim=64, user_feature_dim=70, category_vocab_sizes=(12, 40, 200)))``; the window the
    data side must build is ``config.sequence_length``.

    Raises:
        KeyError: unknown variant name.
    """
    if name not in DSN_VARIANTS:
        raise KeyError(f"unknown DSN variant {name!r}; known: {sorted(DSN_VARIANTS)}")
    return DSNConfig(**{**fields, **DSN_VARIANTS[name]})  # type: ignore[arg-type]


class DSN(nn.Module):
    """DSN (paper 004 §3, Fig. 2); see the module docstring.

    Attributes:
        required_inputs: the batch inputs this instance reads, ``config.required_inputs``.
    """

    def __init__(self, config: DSNConfig) -> None:
        super().__init__()
        self.config = config
        self.required_inputs: tuple[str, ...] = config.required_inputs
        c = config
        d = c.hidden_dim
        self.image_adapter = ResidualAdapter(c.clip_dim, d, c.alpha)  # A_v, eq. 3–4
        self.text_adapter = ResidualAdapter(c.clip_dim, d, c.beta)  # A_t, eq. 5
        self.categories = HierarchicalCategoryEmbedding(c.category_vocab_sizes, d)  # eq. 6–9
        self.post_dropout = nn.Dropout(c.dropout)
        self.down = nn.Linear(3 * d, d, bias=False)  # W of eq. 12
        self.lstm = nn.LSTM(3 * d, d, batch_first=True) if c.use_short else None  # eq. 11
        self.lstm_gate = GatedLinearUnit(d) if c.use_short else None  # Gate_o, eq. 12
        self.grn = GatedResidualNetwork(d, c.dropout) if c.use_short else None  # eq. 13–16
        self.norm = nn.LayerNorm(d)  # eq. 12
        self.attention = TargetAttention(d, c.n_heads) if c.use_long else None  # eq. 17–19
        self.ffn = nn.Sequential(
            nn.Linear(2 * d if c.use_long else d, d),
            nn.ReLU(),
            nn.Dropout(c.dropout),
            nn.Linear(d, d),
        )  # eq. 20
        self.users = nn.Embedding(c.n_users, c.user_dim)
        self.mlp = nn.Sequential(
            nn.Linear(d + c.user_feature_dim + c.user_dim, d),
            nn.ReLU(),
            nn.Dropout(c.dropout),
            nn.Linear(d, 1),
        )  # eq. 21
        with torch.no_grad():
            self.mlp[3].bias.fill_(c.initial_output)
        self.context = ObservationContext() if c.use_context else None

    def forward(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The predicted popularity ``ŝ`` of each target post (the window's last), ``[B]``."""
        check_batch(batch, self.required_inputs)
        mask = batch[SEQUENCE_MASK].bool()
        posts = torch.cat(
            [
                self.image_adapter(batch[SEQUENCE_IMAGE_EMBEDDING], mask),  # f_v
                self.text_adapter(batch[SEQUENCE_TEXT_EMBEDDING], mask),  # f_t
                self.categories(batch[SEQUENCE_CATEGORY_IDS]),  # f_c
            ],
            dim=-1,
        )  # f, eq. 10
        posts = self.post_dropout(posts)
        local = self.local_processing(posts, mask)  # Φ [B, L, d]
        target = local[:, -1]  # Φ_l
        if self.attention is not None:
            neighbours, _ = self.attention(target, local[:, :-1], mask[:, :-1])  # h, eq. 17–19
            target = torch.cat([neighbours, target], dim=-1)
        post = self.ffn(target)  # h̃, eq. 20
        user = torch.cat([batch[USER_FEATURES], self.users(batch[USER_INDEX])], dim=-1)  # u
        prediction = self.mlp(torch.cat([post, user], dim=-1)).squeeze(-1)  # eq. 21
        if self.context is not None:
            prediction = prediction + self.context(batch[SIDE_FEATURES])
        return prediction

    def local_processing(self, posts: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``Φ`` of eq. 11–13 from ``f [B, L, 3d]`` (``LayerNorm(f W)`` without ``use_short``)."""
        residual = self.down(posts)
        if self.lstm is None or self.lstm_gate is None or self.grn is None:
            return self.norm(residual)
        lstm = self.lstm
        states = run_real_first(lambda x: lstm(x)[0], posts, mask)  # O, eq. 11
        return self.grn(self.norm(self.lstm_gate(states) + residual))  # eq. 12–13
