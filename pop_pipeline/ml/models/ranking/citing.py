"""Content-only feature-aware factorisation, standing in for CITING.

What CITING is. Paper 000 (AMNL) compares against "CITING [2]": Chen, He and Kan, "Context-aware
Image Tweet Modelling and Recommendation", ACM MM 2016 — "the context-aware image tweet
modelling framework, which explores both the image's intrinsic context and extrinsic context such
as Web URL", one of the "feature-aware factorized ranking algorithms based on pairwise
preference constraints and feature of item contents", run with "the associated textual contexts
as the side information" (all in §III-C). Paper 003 (D-Sempre, §4.2) describes the same method: it
mines and fuses contextual text (hashtag-enhanced text, the linked URL's page, Google reverse
image search; CITING itself adds the text inside the image) and represents images by their
top-5 GoogLeNet labels. The
recommender behind it is a feature-aware matrix factorisation (FAMF; the authors' released code,
``kite1988/famf``): a tweet has no free latent vector of its own; its vector is the normalised
sum of the latent vectors of its contextual words (and visual tags), the score is the inner
product with a latent user vector, and training is BPR over (user, retweeted, not-retweeted)
pairs with L2 penalties, so it scores tweets never seen in training.

What we keep: the factorised user preference ``p_u``; an item vector built from content
features only, linearly; the inner-product score; the BPR loss; L2 penalties on users and on the
feature factors; scoring unseen tweets.

What we replace: the bag of contextual words with one learned vector per word (FAMF's
``Σ_w x_w T_w / √|w|``, linear in the bag ``x``) becomes a learned linear map of the frozen CLIP
text embedding of the caption and its replies, ``W_t y_i``; the five GoogLeNet labels (FAMF's
visual tags ``V``) become a learned linear map of the CLIP image embedding, ``W_v f_i``. Our
world has no URL pages, reverse image search or text-in-image, so the extrinsic contexts are
absent.

- item vector  ``q_i = W_v f_i + W_t y_i``   (``modalities`` can drop either part)
- score        ``x_ui = p_uᵀ q_i``
- loss         ``−log σ(x_ui − x_uj) + reg · mean‖p_u‖² + reg_content · (‖W_v‖² + ‖W_t‖²)``

Unknown users: index ``n_users`` (:attr:`Citing.unknown_user_index`) takes the mean of the known
user vectors, so it ranks by the content's appeal to the average user (FAMF has no item bias,
and a zero vector would score every tweet 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from pop_pipeline.ml.models.ranking.losses import BPRLoss

MODALITIES: tuple[str, ...] = ("image", "text")


@dataclass(frozen=True)
class CitingConfig:
    """Hyperparameters of :class:`Citing`."""

    n_users: int  # known users 0..n_users-1; index n_users is the unknown user
    image_dim: int  # dimension of the image embedding f_i
    text_dim: int  # dimension of the text embedding y_i
    embedding_dim: int = 64  # shared latent factors of p_u and q_i
    modalities: tuple[str, ...] = MODALITIES  # ("image",), ("text",) or both
    reg: float = 1e-4  # λ on the users' vectors in the batch
    reg_content: float = 1e-4  # λ on the feature maps W_v, W_t
    init_std: float = 0.1  # std of the zero-mean Gaussian initialisation

    def __post_init__(self) -> None:
        if self.n_users < 1:
            raise ValueError("n_users must be at least 1")
        if not self.modalities or any(m not in MODALITIES for m in self.modalities):
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}")
        if len(set(self.modalities)) != len(self.modalities):
            raise ValueError(f"duplicate modalities in {self.modalities}")


class Citing(nn.Module):
    """Feature-aware factorisation over frozen image and text embeddings; see the module doc."""

    def __init__(self, config: CitingConfig) -> None:
        super().__init__()
        self.config = config
        d = config.embedding_dim
        self.user_preferences = nn.Embedding(config.n_users, d)  # p_u
        self.image_map = (
            nn.Linear(config.image_dim, d, bias=False) if "image" in config.modalities else None
        )  # W_v
        self.text_map = (
            nn.Linear(config.text_dim, d, bias=False) if "text" in config.modalities else None
        )  # W_t
        for parameter in self.parameters():
            nn.init.normal_(parameter, std=config.init_std)
        self.loss = BPRLoss()

    @property
    def unknown_user_index(self) -> int:
        """User index whose vector is the mean of the known users' vectors."""
        return self.config.n_users

    def user_vectors(self, users: torch.Tensor) -> torch.Tensor:
        """``p_u`` per index; the unknown index gets the mean of the known users."""
        n = self.config.n_users
        if users.numel() and (int(users.min()) < 0 or int(users.max()) > n):
            raise ValueError(f"user indices must lie in [0, {n}] ({n} = unknown)")
        vectors = self.user_preferences(users.clamp(max=n - 1))
        unknown = users == n
        if bool(unknown.any()):
            mean_vector = self.user_preferences.weight.mean(dim=0)
            vectors = torch.where(unknown.unsqueeze(-1), mean_vector, vectors)
        return vectors

    def item_vectors(self, image: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        """``q_i = W_v f_i + W_t y_i``, shape ``[B, embedding_dim]``."""
        parts = []
        modalities = ((self.image_map, image, "image"), (self.text_map, text, "text"))
        for layer, features, name in modalities:
            if layer is None:
                continue
            if features is None:
                raise ValueError(f"the {name} modality is on but no {name} features were given")
            parts.append(layer(features))
        return torch.stack(parts).sum(dim=0)

    def score(
        self, users: torch.Tensor, image: torch.Tensor | None, text: torch.Tensor | None
    ) -> torch.Tensor:
        """``x_ui = p_uᵀ q_i`` per row, shape ``[B]``; higher = more likely retweeted."""
        return (self.user_vectors(users) * self.item_vectors(image, text)).sum(-1)

    forward = score

    def calculate_loss(
        self,
        users: torch.Tensor,
        pos_image: torch.Tensor | None,
        pos_text: torch.Tensor | None,
        neg_image: torch.Tensor | None,
        neg_text: torch.Tensor | None,
    ) -> torch.Tensor:
        """Mean BPR loss plus the L2 terms of the module docstring (known users only)."""
        if users.numel() and int(users.max()) >= self.config.n_users:
            raise ValueError("the unknown user cannot be trained")
        user_vectors = self.user_vectors(users)
        pos = (user_vectors * self.item_vectors(pos_image, pos_text)).sum(-1)
        neg = (user_vectors * self.item_vectors(neg_image, neg_text)).sum(-1)
        content_norms = sum(
            layer.weight.pow(2).sum() for layer in (self.image_map, self.text_map) if layer
        )
        return (
            self.loss(pos, neg)
            + self.config.reg * user_vectors.pow(2).sum(-1).mean()
            + self.config.reg_content * content_norms
        )
