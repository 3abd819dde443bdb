"""AMNL+: AMNL with the textually guided multi-modal fusion network.

Paper 000 (Zhang et al., "Image retweet prediction via attentional multi-faceted ranking
network learning"), §II-B and Fig. 3, the "AMNL+" rows of Tables I–IV. Per tweet ``i`` it reads
the image's patch grid ``x_i`` (the paper: Inception-v4's last convolutional layer, 8×8×1536),
its global embedding ``f_i`` and the embeddings ``y_ij`` of its sentences ``j = 0..S-1``, and
runs one recurrent step per sentence:

- glimpse at location ``l_j``                      ``η(x_i, l_j) = {η_i1, …, η_ik}``
- textual attention score                          ``s_jk = pᵀ tanh(W_t y_ij + W_u η_ik + b)``
- attention weights over the glimpse               ``α_k = exp(s_jk) / Σ_k' exp(s_jk')``
- attended feature                                 ``g_ij = Σ_k α_k η_ik``
- recurrent step                                   ``h_ij = LSTM(g_ij, h_i,j-1)``
- next location                                    ``l_{j+1} = g(W_j f_i + W_c c_ij)``
- joint representation, last step                  ``z_i = g(W^(c) h_i,S-1)``

then ranks exactly as AMNL (:mod:`pop_pipeline.ml.models.ranking.amnl`): ``F_u(z) = f_u(z) ·
h_N(z)``
with the social attention over the followees, the hinge loss ``max(0, c + F⁻ − F⁺)``, the
unknown user and ``use_social_impact``. These are not re-implemented: the ranking head is an
:class:`~pop_pipeline.ml.models.ranking.amnl.AMNL` whose single ("image") input is the RNN's last
hidden state, so its linear fusion layer ``g(W_i ·)`` is ``z_i = g(W^(c) h)`` above.

Ablations (Table IV), by configuration:

- ``textual_guidance=False`` — AMNL+_i: each step's RNN input is the average of the glimpse
  features (``α_k = 1/k``) and the sentences are ignored (may be ``None``).
- ``use_social_impact=False`` — AMNL+_hfunc: ``F = f_u(z)``, followees ignored.

Where the paper is silent or where we depart from it:

- Encoders are frozen: ``x_i``, ``f_i`` are CLIP image-tower outputs
  (:mod:`pop_pipeline.ml.clip.patch_features`) and ``y_ij`` CLIP text-tower sentence vectors
  (:mod:`pop_pipeline.ml.clip.sentence_features`); the paper fine-tunes Inception and an LSTM
  over GloVe words. Only the fusion network, the users and the attentions are learned here.
- Recurrent steps = sentence slots ``S`` (paper: 4, padded by repeating the last sentence, so a
  tweet with fewer sentences re-reads its last one).
- The glimpse ``η(x_i, l)``: ``glimpse_size × glimpse_size`` points one patch apart, centred
  at ``l``, read from the patch grid by bilinear interpolation (``grid_sample``, edge patches
  repeated outside the grid), so the location is differentiable and trained end to end by
  back-propagation; the paper says only that the feature is "extracted centred at ``l_j``".
- Locations are normalised grid coordinates ``(x, y)`` in ``(-1, 1)`` (``-1``: centre of the
  first column/row, ``+1``: of the last): ``l = g(·) / 1.7159``, i.e. ``tanh(2/3 ·)``.
- ``l_0``: the paper draws it at random; a random location would make scores
  non-deterministic, so ``l_0 = g(W_j f_i) / 1.7159``, the location update with the RNN's zero
  initial output.
- The RNN is an LSTM cell (the paper's recurrent networks are LSTMs). The paper names the
  step's "hidden state" ``h_ij`` and "output" ``c_ij``; an LSTM's output is its hidden state,
  so both the location update and ``z_i`` read ``h``; the cell state stays internal.
- ``z_i = g(W^(c) h)`` adds the scaled tanh to the paper's linear ``z_ij = W^(c) h_ij``, so
  ``z`` is bounded like AMNL's and the margin ``c`` means the same in both models.
- Initialisation: zero-mean Gaussians (§III-C), std ``init_std`` for the attention, location
  and ranking layers, ``1/√rnn_dim`` for the LSTM so its gates do not saturate; biases zero.
  AMNL's ``β‖Ψ‖²`` is the optimiser's weight decay, as for AMNL.
- The attention width ``text_attention_dim`` is not given in the paper; ``rnn_dim`` defaults
  to the paper's best, 1000 (Fig. 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from pop_pipeline.ml.config_defaults import field_default
from pop_pipeline.ml.models.ranking.amnl import AMNL, LECUN_TANH_AMPLITUDE, AMNLConfig, scaled_tanh

# Table IV's AMNL+ rows as configuration overrides of AMNLPlusConfig.
AMNL_PLUS_VARIANTS: dict[str, dict[str, bool]] = {
    "amnl_plus": {},
    "amnl_plus_i": {"textual_guidance": False},
    "amnl_plus_hfunc": {"use_social_impact": False},
}


@dataclass(frozen=True)
class AMNLPlusConfig:
    """Hyperparameters of :class:`AMNLPlus` (JSON-serialisable with ``dataclasses.asdict``)."""

    n_users: int  # known users, indexed 0..n_users-1; index n_users is the unknown user
    patch_dim: int  # dimension of each patch feature η (x_i's channels)
    image_dim: int  # dimension of the global image embedding f_i
    sentence_dim: int  # dimension of each sentence embedding y_ij
    grid_height: int = 8  # rows of the patch grid (pop-clip-tiny: 8)
    grid_width: int = 8  # columns of the patch grid (pop-clip-tiny: 8)
    n_sentences: int = 4  # sentence slots = recurrent steps (paper §III-A-3: 4)
    glimpse_size: int = 3  # η(x, l) reads glimpse_size × glimpse_size points around l
    rnn_dim: int = 1000  # LSTM hidden size (paper: best 1000)
    text_attention_dim: int = 128  # rows of W_t and W_u (not in the paper)
    preference_dim: int = 400  # dimension of u_j and z_i (paper: 400)
    social_attention_dim: int = 128  # rows of AMNL's W_s and W_n (not in the paper)
    margin: float = field_default(AMNLConfig, "margin")  # hinge margin c, AMNL's (paper 000)
    textual_guidance: bool = True  # False: average-pooled glimpse, no text (AMNL+_i)
    use_social_impact: bool = True  # False: F = f_u(z) (AMNL+_hfunc)
    init_std: float = 0.1  # std of the zero-mean Gaussian initialisation

    def __post_init__(self) -> None:
        positive = (
            "n_users",
            "patch_dim",
            "image_dim",
            "sentence_dim",
            "grid_height",
            "grid_width",
            "n_sentences",
            "glimpse_size",
            "rnn_dim",
            "text_attention_dim",
            "preference_dim",
            "social_attention_dim",
        )
        if small := [name for name in positive if getattr(self, name) < 1]:
            raise ValueError(f"{', '.join(small)} must be at least 1")

    def ranking_config(self) -> AMNLConfig:
        """The AMNL ranking head: one input, the RNN state, so its fusion is ``g(W^(c) h)``."""
        return AMNLConfig(
            n_users=self.n_users,
            image_dim=self.rnn_dim,
            text_dim=0,  # no text input: modalities=("image",)
            preference_dim=self.preference_dim,
            attention_dim=self.social_attention_dim,
            margin=self.margin,
            use_social_impact=self.use_social_impact,
            modalities=("image",),
            init_std=self.init_std,
        )


@dataclass
class GlimpseTrace:
    """What the fusion network looked at, per tweet and step (for tests and inspection)."""

    locations: torch.Tensor  # [B, S, 2] l_j as normalised (x, y)
    attention: torch.Tensor  # [B, S, k] α over each step's glimpse
    hidden: torch.Tensor  # [B, rnn_dim] the last step's h, input of the ranking head


class AMNLPlus(nn.Module):
    """AMNL+ (paper 000 §II-B, Fig. 3); see the module docstring.

    Args:
        config: hyperparameters.
        followees: LongTensor ``[n_users, max_followees]`` padded with -1, as for
            :class:`~pop_pipeline.ml.models.ranking.amnl.AMNL`
            (:func:`~pop_pipeline.ml.models.ranking.amnl.pad_followees` builds it).
    """

    def __init__(self, config: AMNLPlusConfig, followees: torch.Tensor) -> None:
        super().__init__()
        self.config = config
        a = config.text_attention_dim
        self.text_attention_sentence = nn.Linear(config.sentence_dim, a, bias=False)  # W_t
        self.text_attention_patch = nn.Linear(config.patch_dim, a, bias=True)  # W_u and b
        self.text_attention_vector = nn.Linear(a, 1, bias=False)  # p
        self.rnn = nn.LSTMCell(config.patch_dim, config.rnn_dim)
        self.location_image = nn.Linear(config.image_dim, 2, bias=False)  # W_j
        self.location_state = nn.Linear(config.rnn_dim, 2, bias=False)  # W_c
        self._reset_parameters()
        self.ranking = AMNL(config.ranking_config(), followees)  # initialises itself
        offsets = torch.arange(config.glimpse_size, dtype=torch.float32)
        offsets = offsets - (config.glimpse_size - 1) / 2.0
        self.register_buffer("glimpse_offsets", offsets, persistent=False)

    def _reset_parameters(self) -> None:
        for name, parameter in self.named_parameters():
            if name.endswith("bias") or "bias_" in name:
                nn.init.zeros_(parameter)
            elif name.startswith("rnn."):
                nn.init.normal_(parameter, mean=0.0, std=self.config.rnn_dim**-0.5)
            else:
                nn.init.normal_(parameter, mean=0.0, std=self.config.init_std)

    @property
    def unknown_user_index(self) -> int:
        """User index that scores unseen users with the mean preference and no followees."""
        return self.ranking.unknown_user_index

    def glimpse(self, patches: torch.Tensor, locations: torch.Tensor) -> torch.Tensor:
        """``η(x, l)``: bilinear reads of the patch grid around each location.

        Args:
            patches: ``[B, grid_h·grid_w, patch_dim]``, row-major grid.
            locations: ``[B, 2]`` normalised ``(x, y)``.

        Returns:
            ``[B, glimpse_size², patch_dim]``, points ordered row-major (y, then x).
        """
        c = self.config
        batch = patches.shape[0]
        grid = patches.transpose(1, 2).reshape(batch, c.patch_dim, c.grid_height, c.grid_width)
        step_x = 2.0 / (c.grid_width - 1) if c.grid_width > 1 else 0.0
        step_y = 2.0 / (c.grid_height - 1) if c.grid_height > 1 else 0.0
        offset_y, offset_x = torch.meshgrid(
            self.glimpse_offsets * step_y, self.glimpse_offsets * step_x, indexing="ij"
        )
        offsets = torch.stack([offset_x, offset_y], dim=-1).to(locations.dtype)  # [w, w, 2]
        points = locations[:, None, None, :] + offsets  # [B, w, w, 2]
        sampled = F.grid_sample(
            grid, points, mode="bilinear", padding_mode="border", align_corners=True
        )  # [B, patch_dim, w, w]
        return sampled.flatten(2).transpose(1, 2)

    def textual_attention(self, sentence: torch.Tensor, glimpse: torch.Tensor) -> torch.Tensor:
        """``α_k = softmax_k(pᵀ tanh(W_t y + W_u η_k + b))``, shape ``[B, k]``."""
        hidden = torch.tanh(
            self.text_attention_sentence(sentence).unsqueeze(1) + self.text_attention_patch(glimpse)
        )
        return torch.softmax(self.text_attention_vector(hidden).squeeze(-1), dim=1)

    def _location(self, image: torch.Tensor, state: torch.Tensor | None) -> torch.Tensor:
        pre_activation = self.location_image(image)
        if state is not None:
            pre_activation = pre_activation + self.location_state(state)
        return scaled_tanh(pre_activation) / LECUN_TANH_AMPLITUDE

    def trace(
        self, patches: torch.Tensor, image: torch.Tensor, sentences: torch.Tensor | None
    ) -> GlimpseTrace:
        """Run the textually guided process ``G(l_j, x_i, y_ij, f_i)`` over every step.

        Args:
            patches: ``[B, grid_h·grid_w, patch_dim]`` patch features ``x_i``.
            image: ``[B, image_dim]`` global image embeddings ``f_i``.
            sentences: ``[B, n_sentences, sentence_dim]`` sentence embeddings ``y_ij``; may be
                ``None`` without textual guidance.
        """
        c = self.config
        dtype = self.rnn.weight_ih.dtype
        patches, image = patches.to(dtype), image.to(dtype)
        if patches.dim() != 3 or patches.shape[1:] != (c.grid_height * c.grid_width, c.patch_dim):
            raise ValueError(
                f"patches must have shape [B, {c.grid_height * c.grid_width}, {c.patch_dim}]"
            )
        if c.textual_guidance:
            if sentences is None:
                raise ValueError("textual guidance needs sentence features")
            sentences = sentences.to(dtype)
            if sentences.shape[1:] != (c.n_sentences, c.sentence_dim):
                raise ValueError(
                    f"sentences must have shape [B, {c.n_sentences}, {c.sentence_dim}]"
                )
        state: tuple[torch.Tensor, torch.Tensor] | None = None
        location = self._location(image, None)
        locations, weights = [], []
        for step in range(c.n_sentences):
            glimpse = self.glimpse(patches, location)
            if sentences is not None and c.textual_guidance:
                alpha = self.textual_attention(sentences[:, step], glimpse)
            else:
                alpha = glimpse.new_full(glimpse.shape[:2], 1.0 / glimpse.shape[1])
            attended = torch.bmm(alpha.unsqueeze(1), glimpse).squeeze(1)  # g_ij
            state = self.rnn(attended, state)
            locations.append(location)
            weights.append(alpha)
            location = self._location(image, state[0])
        assert state is not None  # n_sentences >= 1
        return GlimpseTrace(
            locations=torch.stack(locations, dim=1),
            attention=torch.stack(weights, dim=1),
            hidden=state[0],
        )

    def encode_tweets(
        self, patches: torch.Tensor, image: torch.Tensor, sentences: torch.Tensor | None
    ) -> torch.Tensor:
        """The last hidden state ``h_i,S-1`` per tweet, ``[B, rnn_dim]`` (see :meth:`trace`).

        Encode each candidate tweet once and score it for many users with
        :meth:`score_encoded`.
        """
        return self.trace(patches, image, sentences).hidden

    def joint_representation(
        self, patches: torch.Tensor, image: torch.Tensor, sentences: torch.Tensor | None
    ) -> torch.Tensor:
        """``z_i = g(W^(c) h_i,S-1)``, shape ``[B, preference_dim]``."""
        return self.ranking.joint_representation(
            self.encode_tweets(patches, image, sentences), None
        )

    def score_encoded(self, users: torch.Tensor, encoded: torch.Tensor) -> torch.Tensor:
        """``F_u(z)`` per row from :meth:`encode_tweets` outputs, shape ``[B]``."""
        return self.ranking.score(users, encoded, None)

    def score(
        self,
        users: torch.Tensor,
        patches: torch.Tensor,
        image: torch.Tensor,
        sentences: torch.Tensor | None,
    ) -> torch.Tensor:
        """Multi-faceted score ``F_u(z)`` per row, shape ``[B]``; higher = more likely retweeted.

        Args:
            users: LongTensor ``[B]`` of user indices; ``unknown_user_index`` is allowed.
            patches: ``[B, grid_h·grid_w, patch_dim]`` patch features.
            image: ``[B, image_dim]`` global image embeddings.
            sentences: ``[B, n_sentences, sentence_dim]``, or ``None`` without guidance.
        """
        return self.score_encoded(users, self.encode_tweets(patches, image, sentences))

    forward = score

    def calculate_loss(
        self,
        users: torch.Tensor,
        pos_patches: torch.Tensor,
        pos_image: torch.Tensor,
        pos_sentences: torch.Tensor | None,
        neg_patches: torch.Tensor,
        neg_image: torch.Tensor,
        neg_sentences: torch.Tensor | None,
    ) -> torch.Tensor:
        """Mean hinge ``max(0, c + F_u(z⁻) − F_u(z⁺))`` over the batch of triplets.

        Positive and negative tweets run through the fusion network as one batch.
        """
        sentences: torch.Tensor | None = None
        if self.config.textual_guidance:
            if pos_sentences is None or neg_sentences is None:
                raise ValueError("textual guidance needs sentence features")
            sentences = torch.cat([pos_sentences, neg_sentences])
        encoded = self.encode_tweets(
            torch.cat([pos_patches, neg_patches]), torch.cat([pos_image, neg_image]), sentences
        )
        pos, neg = encoded.split(len(users))
        return self.ranking.calculate_loss(users, pos, None, neg, None)
