"""AMNL: attentional multi-faceted ranking network learning, linear fusion variant.

Paper 000 (Zhang et al., "Image retweet prediction via attentional multi-faceted ranking
network learning"), §II-A and §II-B, the "AMNL" row of Tables I–IV (the textually guided
AMNL+ is not implemented here).

Equations, with ``g(x) = 1.7159·tanh(2x/3)`` the scaled tanh of LeCun et al. (paper ref. [19]):

- joint tweet representation (linear fusion layer)   ``z_i = g(W_i f_i + W_d y_i)``
- personalised ranking                               ``f_{u_j}(z) = u_jᵀ z``
- social attention score                             ``s_pq = pᵀ tanh(W_s u_p + W_n u_q + b)``
- attention over the followees ``N_p``               ``α_q = exp(s_pq) / Σ_{q'∈N_p} exp(s_pq')``
- social impact                                      ``h_{N_p}(z) = Σ_{q∈N_p} α_q f_{u_q}(z)``
- multi-faceted score                                ``F_{u_p}(z) = f_{u_p}(z) · h_{N_p}(z)``
- loss per triplet ``(j, i, k, N_j)``                 ``max(0, c + F_{u_j}(z_k) − F_{u_j}(z_i))``

Inputs and choices where the paper is silent or where we depart from it:

- ``f_i`` is whatever image embedding the caller passes (the paper: Inception-v4's last FC
  layer, 1536-d; here typically a CLIP image embedding). ``y_i`` is ONE text vector per tweet:
  the paper encodes each caption/comment sentence with an LSTM and max-pools the sentence
  vectors; the caller does that pooling (or passes a single caption embedding). The encoders are
  frozen upstream, whereas the paper fine-tunes them; only ``W_i``, ``W_d``, the users and the
  attention parameters are learned here.
- ``u_j`` and ``z_i`` share ``preference_dim`` (paper: 400). The attention width (rows of
  ``W_s``, ``W_n``) is ``attention_dim``; the paper does not give it.
- The fusion layer has no bias, as written in the paper.
- Users with no followees: ``h ≡ 1``, so ``F = f_u(z)`` (the ``hfunc`` ablation for that user).
  We do not use ``h = f_u`` (a "self slot"): ``F = f_u²`` is not monotone in ``f_u`` and would
  rank strongly disliked tweets first.
- Unknown user (index ``n_users``, see :attr:`AMNL.unknown_user_index`): for scoring only. Its
  preference vector is the mean of all known user vectors and it has no followees, so it scores
  ``F = ūᵀ z_i`` — the tweet's appeal to the average user, i.e. a content-popularity prior.
- ``use_social_impact=False`` gives ``F = f`` (Table IV's AMNL_hfunc); ``modalities=("image",)``
  and ``("text",)`` give AMNL_i and AMNL_d.
- The ``β‖Ψ‖²`` term is left to the optimiser's ``weight_decay`` (see
  :func:`pop_pipeline.ml.training.pairwise.train_pairwise`); with weight decay ``λ`` on every
  parameter, the gradient step equals that of ``(λ/2)‖Ψ‖²`` per batch, i.e. ``β = λ/2``.
- Weights are drawn from ``N(0, init_std²)`` ("Gaussian with zero mean", §III-C; std not given);
  the attention bias ``b`` starts at zero.
- The model never samples negatives: triplets come from
  :mod:`pop_pipeline.ml.samplers.followee_negatives`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from pop_pipeline.ml.models.ranking.losses import MarginRankingHingeLoss

MODALITIES: tuple[str, ...] = ("image", "text")
LECUN_TANH_AMPLITUDE = 1.7159
LECUN_TANH_SLOPE = 2.0 / 3.0


def scaled_tanh(x: torch.Tensor) -> torch.Tensor:
    """LeCun's scaled hyperbolic tangent ``g(x) = 1.7159·tanh(2x/3)``."""
    return LECUN_TANH_AMPLITUDE * torch.tanh(LECUN_TANH_SLOPE * x)


@dataclass(frozen=True)
class AMNLConfig:
    """Hyperparameters of :class:`AMNL`."""

    n_users: int  # known users, indexed 0..n_users-1; index n_users is the unknown user
    image_dim: int  # dimension of the image embedding f_i
    text_dim: int  # dimension of the (max-pooled) text embedding y_i
    preference_dim: int = 400  # dimension of u_j and z_i (paper: 400)
    attention_dim: int = 400  # rows of W_s and W_n in the social attention (not in the paper)
    margin: float = 0.6  # hinge margin c (paper 000: best 0.6); the one default, read elsewhere
    use_social_impact: bool = True  # False: F = f_u(z), the AMNL_hfunc ablation
    modalities: tuple[str, ...] = MODALITIES  # ("image",), ("text",) or both
    init_std: float = 0.1  # std of the zero-mean Gaussian initialisation

    def __post_init__(self) -> None:
        if self.n_users < 1:
            raise ValueError("n_users must be at least 1")
        if not self.modalities or any(m not in MODALITIES for m in self.modalities):
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}")
        if len(set(self.modalities)) != len(self.modalities):
            raise ValueError(f"duplicate modalities in {self.modalities}")


def pad_followees(source: np.ndarray, target: np.ndarray, n_users: int) -> torch.Tensor:
    """Padded followee matrix ``[n_users, max_followees]`` from follow edges, -1 padding.

    ``source[e]`` follows ``target[e]`` (integer user indices in ``[0, n_users)``). Followees of
    a user are sorted ascending; duplicate edges and self-follows are dropped.
    """
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    if source.shape != target.shape:
        raise ValueError("source and target must have the same length")
    if source.size and (
        min(source.min(), target.min()) < 0 or max(source.max(), target.max()) >= n_users
    ):
        raise ValueError("follow edges must index users in [0, n_users)")
    keep = source != target
    edges = np.unique(np.stack([source[keep], target[keep]], axis=1), axis=0)
    counts = np.bincount(edges[:, 0], minlength=n_users) if len(edges) else np.zeros(n_users, int)
    width = int(counts.max()) if n_users else 0
    matrix = np.full((n_users, width), -1, dtype=np.int64)
    if len(edges):
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(len(edges)) - starts[edges[:, 0]]
        matrix[edges[:, 0], slot] = edges[:, 1]
    return torch.from_numpy(matrix)


class AMNL(nn.Module):
    """AMNL with the linear multi-modal fusion layer (paper 000 §II-B); see the module docstring.

    Args:
        config: hyperparameters.
        followees: LongTensor ``[n_users, max_followees]``, row ``p`` lists the users ``p``
            follows (``N_p``), padded with -1 (:func:`pad_followees` builds it). Stored as a
            buffer (with one more, empty row for the unknown user), so it moves with the model
            and is saved in its ``state_dict``.
    """

    def __init__(self, config: AMNLConfig, followees: torch.Tensor) -> None:
        super().__init__()
        self.config = config
        n, d, a = config.n_users, config.preference_dim, config.attention_dim
        followees = torch.as_tensor(followees, dtype=torch.long)
        if followees.dim() != 2 or followees.shape[0] != n:
            raise ValueError(f"followees must have shape [{n}, max_followees]")
        if followees.numel() and (followees.min() < -1 or followees.max() >= n):
            raise ValueError("followees must hold user indices in [0, n_users) or -1")
        unknown_row = torch.full(
            (1, followees.shape[1]), -1, dtype=torch.long, device=followees.device
        )
        self.register_buffer("followees", torch.cat([followees, unknown_row]), persistent=True)

        self.user_preferences = nn.Embedding(n, d)
        self.image_projection = (
            nn.Linear(config.image_dim, d, bias=False) if "image" in config.modalities else None
        )
        self.text_projection = (
            nn.Linear(config.text_dim, d, bias=False) if "text" in config.modalities else None
        )
        self.attention_user = nn.Linear(d, a, bias=False)  # W_s
        self.attention_followee = nn.Linear(d, a, bias=True)  # W_n and b
        self.attention_vector = nn.Linear(a, 1, bias=False)  # p
        self.loss = MarginRankingHingeLoss(config.margin)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for name, parameter in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(parameter)
            else:
                nn.init.normal_(parameter, mean=0.0, std=self.config.init_std)

    @property
    def unknown_user_index(self) -> int:
        """User index that scores unseen users with the mean preference and no followees."""
        return self.config.n_users

    def joint_representation(
        self, image: torch.Tensor | None, text: torch.Tensor | None
    ) -> torch.Tensor:
        """``z = g(W_i f + W_d y)`` over the enabled modalities, shape ``[B, preference_dim]``."""
        pre_activation: torch.Tensor | None = None
        for projection, features, modality in (
            (self.image_projection, image, "image"),
            (self.text_projection, text, "text"),
        ):
            if projection is None:
                continue
            if features is None:
                raise ValueError(
                    f"modality {modality!r} is enabled but no {modality} features given"
                )
            projected = projection(features.to(projection.weight.dtype))
            pre_activation = projected if pre_activation is None else pre_activation + projected
        assert pre_activation is not None  # config guarantees at least one modality
        return scaled_tanh(pre_activation)

    def user_vectors(self, users: torch.Tensor) -> torch.Tensor:
        """``u_j`` for each index; the unknown index gets the mean of the known users."""
        n = self.config.n_users
        vectors = self.user_preferences(users.clamp(max=n - 1))
        unknown = users == n
        if bool(unknown.any()):
            mean_vector = self.user_preferences.weight.mean(dim=0)
            vectors = torch.where(unknown.unsqueeze(-1), mean_vector, vectors)
        return vectors

    def attention_weights(
        self, users: torch.Tensor, user_vectors: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``α_q`` over each user's followee slots, ``[B, max_followees]``; 0 on padding."""
        if user_vectors is None:
            user_vectors = self.user_vectors(users)
        followees = self.followees[users]
        is_followee = followees >= 0
        slots = followees.clamp(min=0)
        if self.config.n_users <= slots.numel():
            # W_n u_q + b for every user once, then gathered: n·d·a instead of B·F·d·a FLOPs
            keys = self.attention_followee(self.user_preferences.weight)[slots]
        else:
            keys = self.attention_followee(self.user_preferences(slots))
        hidden = torch.tanh(self.attention_user(user_vectors).unsqueeze(1) + keys)
        scores = self.attention_vector(hidden).squeeze(-1)
        has_followees = is_followee.any(dim=1, keepdim=True)
        scores = scores.masked_fill(~is_followee, float("-inf"))
        scores = torch.where(has_followees, scores, torch.zeros_like(scores))  # avoid all -inf rows
        return torch.softmax(scores, dim=1) * is_followee

    def social_vectors(
        self, users: torch.Tensor, user_vectors: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``Σ_q α_q u_q`` per user (so that ``h(z) = (Σ α_q u_q)ᵀ z``) and a has-followees mask."""
        followees = self.followees[users]
        alpha = self.attention_weights(users, user_vectors)
        followee_vectors = self.user_preferences(followees.clamp(min=0))
        social = torch.bmm(alpha.unsqueeze(1), followee_vectors).squeeze(1)  # Σ_q α_q u_q
        return social, (followees >= 0).any(dim=1)

    def _multi_faceted_score(
        self,
        user_vectors: torch.Tensor,
        social: tuple[torch.Tensor, torch.Tensor] | None,
        z: torch.Tensor,
    ) -> torch.Tensor:
        personal = (user_vectors * z).sum(dim=-1)  # f_u(z)
        if social is None:
            return personal
        social_vector, has_followees = social
        impact = torch.where(
            has_followees, (social_vector * z).sum(dim=-1), torch.ones_like(personal)
        )
        return personal * impact  # F = f · h

    def _check_users(self, users: torch.Tensor, *, allow_unknown: bool) -> None:
        upper = self.config.n_users + (1 if allow_unknown else 0)
        if users.numel() and (int(users.min()) < 0 or int(users.max()) >= upper):
            raise ValueError(f"user indices must lie in [0, {upper})")

    def score(
        self, users: torch.Tensor, image: torch.Tensor | None, text: torch.Tensor | None
    ) -> torch.Tensor:
        """Multi-faceted score ``F_u(z)`` per row, shape ``[B]``; higher = more likely retweeted.

        Args:
            users: LongTensor ``[B]`` of user indices; ``unknown_user_index`` is allowed.
            image: ``[B, image_dim]`` image embeddings (``None`` if the image modality is off).
            text: ``[B, text_dim]`` max-pooled text embeddings (``None`` if text is off).
        """
        self._check_users(users, allow_unknown=True)
        user_vectors = self.user_vectors(users)
        social = self.social_vectors(users, user_vectors) if self.config.use_social_impact else None
        return self._multi_faceted_score(
            user_vectors, social, self.joint_representation(image, text)
        )

    forward = score

    def calculate_loss(
        self,
        users: torch.Tensor,
        pos_image: torch.Tensor | None,
        pos_text: torch.Tensor | None,
        neg_image: torch.Tensor | None,
        neg_text: torch.Tensor | None,
    ) -> torch.Tensor:
        """Mean hinge ``max(0, c + F_u(z⁻) − F_u(z⁺))`` over the batch of triplets."""
        self._check_users(users, allow_unknown=False)
        user_vectors = self.user_vectors(users)
        social = self.social_vectors(users, user_vectors) if self.config.use_social_impact else None
        pos = self._multi_faceted_score(
            user_vectors, social, self.joint_representation(pos_image, pos_text)
        )
        neg = self._multi_faceted_score(
            user_vectors, social, self.joint_representation(neg_image, neg_text)
        )
        return self.loss(pos, neg)
