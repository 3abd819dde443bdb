"""UHAN: user-guided hierarchical attention network for social image popularity.

Paper 002 (Zhang et al., "User-guided hierarchical attention network for multi-modal social
image popularity prediction"), §3 and Fig. 3; ablations from §4.2–4.4 (Tables 2–4). Per tweet
it reads the image regions ``V = [v_1 … v_M]``, the caption words and the publisher ``u``:

- word embedding and LSTM (eq. 1–6)              ``Ȟ = LSTM(W_W w_1 … W_W w_l) = [h_1 … h_l]``
- user embedding (eq. 7)                          ``ǔ = W_U u``
- mean-pooled text (eq. 8)                        ``h̄ = (1/l) Σ_t h_t``
- user-guided visual intra-attention (eq. 9–11)   ``r_V,m = W_V¹(tanh(W_Vv¹ v_m) ∘ tanh(W_Vu¹ ǔ)
  ∘ tanh(W_Vt¹ h̄))``, ``α_V = softmax(r_V)``, ``v̇ = Σ_m α_V,m v_m``
- mean-pooled image (eq. 12)                      ``v̄ = (1/M) Σ_m v_m``
- user-guided textual intra-attention (eq. 13–15) ``r_T,t = W_T¹(tanh(W_Tt¹ h_t) ∘ tanh(W_Tu¹ ǔ)
  ∘ tanh(W_Tv¹ v̄))``, ``α_T = softmax(r_T)``, ``ḣ = Σ_t α_T,t h_t``
- user-guided inter-attention (eq. 16–20)         ``uv = W_UVT²(tanh(W_V² v̇) ∘ tanh(W_U² ǔ))``,
  ``ut = W_UVT²(tanh(W_T² ḣ) ∘ tanh(W_U² ǔ))``, ``(a_1, a_2) = softmax(uv, ut)``,
  ``s = a_1 v̇ + a_2 ḣ``
- user shortcut (eq. 21)                          ``s := s + W_U³ ǔ``
- 2-layer head (eq. 22)                           ``ŷ = W_F² ReLU(W_F¹ s + b_F¹) + b²``

trained with the MSE (§3.4; the loss lives in the training loop, not here).

Ablations, as flags of one :class:`UHANConfig` (the name table :data:`UHAN_VARIANTS`):

- ``uhan_no_intra`` (Table 4, "w/o intra"): ``v̇ = v̄`` and ``ḣ = h̄``, uniform weights over the
  regions and the real words instead of eq. 9–11 and 13–15.
- ``uhan_no_inter`` (Table 4, "w/o inter"): ``a_1 = a_2 = 1/2`` instead of eq. 16–19; the paper
  does not say what replaces the inter-attention, equal weights keep ``s`` on eq. 20's scale.
- ``uhan_no_intra_inter`` (Table 4, "w/o intra+inter"): both of the above.
- ``uhan_no_sc`` (Tables 2 and 4, "w/o sc"): eq. 21 removed, ``ǔ`` only guides the attentions.
- ``uhan_no_user`` (Table 2, "w/o u", "completely disregards user embedding"): no ``ǔ`` at all:
  the factors ``tanh(W_·u ǔ)`` leave eq. 9, 13, 16 and 17 (an empty Hadamard factor is 1) and
  eq. 21 is removed; the user index is not an input.
- ``uhan_no_v`` / ``uhan_no_t`` (Table 3, "w/o V" / "w/o T"): one modality removed: its inputs
  are not read, the other modality's intra-attention loses the mean-pooled guide (``v̄`` in
  eq. 13, ``h̄`` in eq. 9), and with one modality left eq. 16–20 reduce to ``s = ḣ`` (``s = v̇``).

Which inputs a configuration reads is :attr:`UHANConfig.required_inputs`, also set on each
model instance as ``model.required_inputs`` (it depends on the configuration, so it is an
instance attribute, not a class attribute as for models without ablations that drop inputs).

Departures and choices where the paper is silent:

- Regions are CLIP image-tower patch tokens (:data:`PATCH_FEATURES`, ``R`` regions of
  ``patch_dim``), frozen, instead of VGGNet's 196×512 last pooling layer on 448×448 images. A
  learned linear map ``v_m = W_P x_m + b_P`` brings them to ``hidden_dim``, the "necessary
  linear transformation" of Fig. 3's caption for unequal dimensions, since eq. 20 adds ``v̇`` and
  ``ḣ``.
- Captions are word ids with a mask (:data:`WORD_IDS`, :data:`WORD_MASK`), truncated by the
  feature assembly (the paper: 50 words). Padding may sit anywhere: the LSTM runs over the real
  words only, in order
  (:func:`~pop_pipeline.ml.models.regression.sequence_masking.run_real_first`), and
  the softmax of eq. 14 and the mean of eq. 8 cover the real words only. A caption without words
  gives ``h̄ = ḣ = 0``.
- Dimensions: the paper sets the word, LSTM, user and attention widths all to 512; here each is
  a field (``word_dim``, ``hidden_dim``, ``user_dim``, ``attention_dim``, ``head_dim``).
  Eq. 9, 13, 16, 17 and 21 have no biases (as written); eq. 22 has its two.
- Users: index 0 of the user embedding is the unseen user, a learned row like the others.
- ``initial_output`` sets ``b²`` at construction (e.g. to the training target mean); the paper
  does not say how it initialises (Keras defaults: zero biases).
- Observation context (``use_context``, on by default; not in the paper): eq. 22's output plus
  a linear term on log1p(author followers) and log1p(hours elapsed) (:data:`SIDE_FEATURES`),
  started at the training split's least-squares fit; why, and what it bought on ``demo``, in
  :mod:`pop_pipeline.ml.models.regression.observation_context`. ``use_context=False`` is the
  paper's UHAN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.models.regression.observation_context import ObservationContext
from pop_pipeline.ml.models.regression.regression_inputs import (
    PATCH_FEATURES,
    SIDE_FEATURES,
    USER_INDEX,
    WORD_IDS,
    WORD_MASK,
    check_batch,
)
from pop_pipeline.ml.models.regression.sequence_masking import (
    masked_mean,
    masked_softmax,
    run_real_first,
)

# The paper's UHAN rows (Tables 2–4) as overrides of UHANConfig's ablation flags.
UHAN_VARIANTS: dict[str, dict[str, bool]] = {
    "uhan": {},
    "uhan_no_intra": {"use_intra": False},
    "uhan_no_inter": {"use_inter": False},
    "uhan_no_intra_inter": {"use_intra": False, "use_inter": False},
    "uhan_no_sc": {"use_shortcut": False},
    "uhan_no_user": {"use_user": False, "use_shortcut": False},
    "uhan_no_v": {"use_visual": False},
    "uhan_no_t": {"use_text": False},
}


@dataclass(frozen=True)
class UHANConfig:
    """Hyperparameters of :class:`UHAN` (JSON-serialisable with ``dataclasses.asdict``)."""

    n_users: int  # rows of the user embedding W_U; row 0 is the unseen user
    vocab_size: int  # rows of the word embedding W_W; id 0 is padding / unknown
    patch_dim: int  # dimension of each region feature x_m (CLIP patch token width)
    word_dim: int = 512  # word embedding width K_W (paper: 512)
    hidden_dim: int = 512  # LSTM hidden size = region width after W_P = width of s (paper: 512)
    user_dim: int = 512  # user embedding width K_U (paper: 512)
    attention_dim: int = 512  # rows of the W_·¹ and W_·² matrices of eq. 9, 13, 16, 17 (paper: 512)
    head_dim: int = 512  # hidden units of eq. 22's first layer (paper: 512)
    use_intra: bool = True  # False: mean pooling instead of eq. 9–11, 13–15 (w/o intra)
    use_inter: bool = True  # False: a_1 = a_2 = 1/2 instead of eq. 16–19 (w/o inter)
    use_shortcut: bool = True  # False: no eq. 21 (w/o sc)
    use_user: bool = True  # False: no user embedding anywhere (w/o u); needs use_shortcut=False
    use_visual: bool = True  # False: no image regions (w/o V)
    use_text: bool = True  # False: no caption words (w/o T)
    use_context: bool = True  # the observation-context term (departure; observation_context.py)
    initial_output: float = 0.0  # initial value of the output bias b² of eq. 22

    def __post_init__(self) -> None:
        sizes = ("n_users", "vocab_size", "patch_dim", "word_dim", "hidden_dim", "user_dim")
        sizes += ("attention_dim", "head_dim")
        if small := [name for name in sizes if getattr(self, name) < 1]:
            raise ValueError(f"{', '.join(small)} must be at least 1")
        if not (self.use_visual or self.use_text):
            raise ValueError("UHAN needs at least one modality (use_visual or use_text)")
        if self.use_shortcut and not self.use_user:
            raise ValueError("the user shortcut (eq. 21) needs use_user=True")

    @property
    def required_inputs(self) -> tuple[str, ...]:
        """The batch inputs this configuration reads (regression_inputs names)."""
        names: tuple[str, ...] = ()
        if self.use_visual:
            names += (PATCH_FEATURES,)
        if self.use_text:
            names += (WORD_IDS, WORD_MASK)
        if self.use_user:
            names += (USER_INDEX,)
        if self.use_context:
            names += (SIDE_FEATURES,)
        return names


def uhan_config(name: str, **fields: int | float) -> UHANConfig:
    """The configuration of the named variant (a key of :data:`UHAN_VARIANTS`).

    ``fields`` are the sizes and other non-ablation fields, e.g.
    ``UHAN(uhan_config("uhan_no_v", n_users=129, vocab_size=5000, patch_dim=64))``.

    Raises:
        KeyError: unknown variant name.
    """
    if name not in UHAN_VARIANTS:
        raise KeyError(f"unknown UHAN variant {name!r}; known: {sorted(UHAN_VARIANTS)}")
    return UHANConfig(**fields, **UHAN_VARIANTS[name])  # type: ignore[arg-type]


class UserGuidedAttention(nn.Module):
    """User-guided intra-attention over one modality's items (eq. 9–11, or 13–15).

    ``r_m = w(tanh(W_item x_m) ∘ Π_g tanh(W_g g))``, ``α = softmax(r)`` over the real items,
    ``attended = Σ_m α_m x_m``. The guides ``g`` (user embedding, the other modality's mean) are
    vectors per example; with no guide the product is empty (1).

    Args:
        item_dim: width of the attended items.
        guide_dims: widths of the guide vectors, in the order they are passed.
        attention_dim: rows of ``W_item`` and each ``W_g``.
    """

    def __init__(self, item_dim: int, guide_dims: tuple[int, ...], attention_dim: int) -> None:
        super().__init__()
        self.item = nn.Linear(item_dim, attention_dim, bias=False)  # W_Vv¹ / W_Tt¹
        self.guides = nn.ModuleList(
            nn.Linear(dim, attention_dim, bias=False)  # W_Vu¹, W_Vt¹ / W_Tu¹, W_Tv¹
            for dim in guide_dims
        )
        self.score = nn.Linear(attention_dim, 1, bias=False)  # W_V¹ / W_T¹

    def forward(
        self, items: torch.Tensor, mask: torch.Tensor, guides: tuple[torch.Tensor, ...]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``items [B, N, D]``, ``mask [B, N]``, guides ``[B, D_g]`` → (``[B, D]``, ``α``)."""
        joint = torch.tanh(self.item(items))
        for layer, guide in zip(self.guides, guides, strict=True):
            joint = joint * torch.tanh(layer(guide)).unsqueeze(1)
        weights = masked_softmax(self.score(joint).squeeze(-1), mask)
        return torch.einsum("bn,bnd->bd", weights, items), weights


class UserGuidedInterAttention(nn.Module):
    """User-guided inter-attention between the two attended modalities (eq. 16–20).

    ``uv = w(tanh(W_V² v̇) ∘ tanh(W_U² ǔ))``, ``ut = w(tanh(W_T² ḣ) ∘ tanh(W_U² ǔ))``,
    ``(a_1, a_2) = softmax(uv, ut)``, ``s = a_1 v̇ + a_2 ḣ``; without a user the user factor is
    dropped.
    """

    def __init__(self, hidden_dim: int, user_dim: int | None, attention_dim: int) -> None:
        super().__init__()
        self.visual = nn.Linear(hidden_dim, attention_dim, bias=False)  # W_V²
        self.text = nn.Linear(hidden_dim, attention_dim, bias=False)  # W_T²
        self.user = (
            nn.Linear(user_dim, attention_dim, bias=False) if user_dim is not None else None
        )  # W_U²
        self.score = nn.Linear(attention_dim, 1, bias=False)  # W_UVT²

    def forward(
        self, visual: torch.Tensor, text: torch.Tensor, user: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``v̇ [B, D]``, ``ḣ [B, D]``, ``ǔ [B, K_U]`` → (``s [B, D]``, ``(a_1, a_2) [B, 2]``)."""
        joint = torch.stack([torch.tanh(self.visual(visual)), torch.tanh(self.text(text))], 1)
        if self.user is not None and user is not None:
            joint = joint * torch.tanh(self.user(user)).unsqueeze(1)
        weights = torch.softmax(self.score(joint).squeeze(-1), dim=-1)
        return weights[:, :1] * visual + weights[:, 1:] * text, weights


class UHAN(nn.Module):
    """UHAN (paper 002 §3, Fig. 3); see the module docstring.

    Attributes:
        required_inputs: the batch inputs this instance reads, ``config.required_inputs``.
    """

    def __init__(self, config: UHANConfig) -> None:
        super().__init__()
        self.config = config
        self.required_inputs: tuple[str, ...] = config.required_inputs
        c = config
        both = c.use_visual and c.use_text
        user_guide = (c.user_dim,) if c.use_user else ()
        self.users = nn.Embedding(c.n_users, c.user_dim) if c.use_user else None  # W_U, eq. 7
        self.regions = nn.Linear(c.patch_dim, c.hidden_dim) if c.use_visual else None  # W_P
        self.words = nn.Embedding(c.vocab_size, c.word_dim) if c.use_text else None  # W_W, eq. 1
        self.lstm = (
            nn.LSTM(c.word_dim, c.hidden_dim, batch_first=True) if c.use_text else None
        )  # eq. 2–6
        self.visual_attention = (
            UserGuidedAttention(
                c.hidden_dim, user_guide + ((c.hidden_dim,) if both else ()), c.attention_dim
            )
            if c.use_intra and c.use_visual
            else None
        )  # eq. 9–11
        self.text_attention = (
            UserGuidedAttention(
                c.hidden_dim, user_guide + ((c.hidden_dim,) if both else ()), c.attention_dim
            )
            if c.use_intra and c.use_text
            else None
        )  # eq. 13–15
        self.inter_attention = (
            UserGuidedInterAttention(
                c.hidden_dim, c.user_dim if c.use_user else None, c.attention_dim
            )
            if c.use_inter and both
            else None
        )  # eq. 16–20
        self.shortcut = (
            nn.Linear(c.user_dim, c.hidden_dim, bias=False) if c.use_shortcut else None
        )  # W_U³, eq. 21
        self.head = nn.Sequential(
            nn.Linear(c.hidden_dim, c.head_dim), nn.ReLU(), nn.Linear(c.head_dim, 1)
        )  # eq. 22
        with torch.no_grad():
            self.head[2].bias.fill_(c.initial_output)
        self.context = ObservationContext() if c.use_context else None

    def forward(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The predicted popularity ``ŷ`` of each tweet of the batch, ``[B]``."""
        check_batch(batch, self.required_inputs)
        user = self.users(batch[USER_INDEX]) if self.users is not None else None  # ǔ, eq. 7
        user_guide = (user,) if user is not None else ()
        regions = self.regions(batch[PATCH_FEATURES]) if self.regions is not None else None
        words = self._encode_words(batch) if self.lstm is not None else None

        visual = text = None
        if regions is not None:  # V [B, R, H]
            visual = regions.mean(dim=1)  # v̄, eq. 12 (= v̇ without intra-attention)
            if self.visual_attention is not None:
                guides = user_guide + ((words[2],) if words is not None else ())
                all_regions = torch.ones(regions.shape[:2], dtype=torch.bool, device=regions.device)
                visual, _ = self.visual_attention(regions, all_regions, guides)  # v̇, eq. 9–11
        if words is not None:  # (Ȟ [B, T, H], mask [B, T], h̄ [B, H])
            text = words[2]  # h̄, eq. 8 (= ḣ without intra-attention)
            if self.text_attention is not None:
                guides = user_guide + ((regions.mean(dim=1),) if regions is not None else ())
                text, _ = self.text_attention(words[0], words[1], guides)  # ḣ, eq. 13–15

        if visual is not None and text is not None:
            if self.inter_attention is not None:
                joint, _ = self.inter_attention(visual, text, user)  # s, eq. 16–20
            else:
                joint = 0.5 * (visual + text)
        elif visual is not None:
            joint = visual
        elif text is not None:
            joint = text
        else:  # pragma: no cover - UHANConfig requires a modality
            raise AssertionError("no modality")
        if self.shortcut is not None and user is not None:
            joint = joint + self.shortcut(user)  # eq. 21
        prediction = self.head(joint).squeeze(-1)  # eq. 22
        if self.context is not None:
            prediction = prediction + self.context(batch[SIDE_FEATURES])
        return prediction

    def _encode_words(
        self, batch: Mapping[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(``Ȟ [B, T, H]``, word mask ``[B, T]``, ``h̄ [B, H]``): eq. 1–6 and 8."""
        assert self.words is not None and self.lstm is not None
        lstm = self.lstm
        mask = batch[WORD_MASK].bool()
        embedded = self.words(batch[WORD_IDS])  # eq. 1
        states = run_real_first(lambda x: lstm(x)[0], embedded, mask)  # eq. 2–6
        return states, mask, masked_mean(states, mask)
