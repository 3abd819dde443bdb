"""D-Sempre: deep semantic-preserving embeddings of users and posts.

Paper 003 (D-Sempre), §3.2 (two-branch network), §3.3 (training objective) and §4.1 (network
settings). Users and posts are mapped into one L2-normalised space; a post is recommended to the
users it lies close to.

Network (§3.2, Figs. 3–4):

- user encoding module: the user's bag of semantic clusters (``user_dim`` = k, paper 2,000; see
  :mod:`pop_pipeline.ml.features.semantic_clusters`) → two fully connected layers → ``V_u``
  (``descriptor_dim``, paper 1,024);
- post encoding module: image → FC (``modality_dim``, paper 2,048) and text → FC
  (``modality_dim``), concatenated → FC → ``V_p`` (``descriptor_dim``);
- on top of each module its own embedding branch: FC → ReLU → Dropout(0.5) → FC → BatchNorm →
  L2 normalisation (§4.1: "batch normalization right after the last linear layer of both
  network branches", "a Dropout layer after ReLU with probability of 0.5").

Loss (eq. 4), with ``d`` the Euclidean distance between L2-normalised embeddings:

- cross-instance term (eq. 2): ``max(0, m + d(u_i, p_j⁺) − d(u_i, p_k⁻))`` over the triplets;
- within-instance semantic-preserving term (eq. 3): ``max(0, m + d(p_i, p_j) − d(p_i, p_k))``
  for every post ``p_i`` of the mini-batch, every other post ``p_j`` of the batch in ``p_i``'s
  semantic cluster (its neighbourhood ``N(p_i)``) and the posts ``p_k`` of the batch in any other
  cluster. It pulls together posts whose *texts* fall in one k-means cluster, whoever acted on
  them, and pushes posts of other clusters at least ``m`` farther; users are not in this term;
- ``L = mean(cross) + λ · mean(semantic)``, λ = ``semantic_weight`` (paper: best 0.3);
  ``semantic_weight = 0`` is D-Sempre without the semantic term (``dsempre_nosem``, the
  "Hybrid" rows of the paper's Tables 2–3).

Ranking (§3.3, last paragraph): posts nearest to the user first. :meth:`DSempre.score` returns
the inner product ``uᵀp = 1 − d²/2``, which orders candidates exactly as ``−d`` does.

Departures and choices where the paper is silent:

- Inputs are frozen embeddings (typically the CLIP image and text towers): the paper trains its
  own 5-layer ConvNet on raw 224×224 images and encodes text with Word2Vec; the FC layers above
  the encoders are what we learn. The paper's extra textual contexts (URL pages, Google reverse
  image search) do not exist in our world; the caller's text vector holds caption and replies.
- Sums over triplets become means (as in :mod:`pop_pipeline.ml.models.ranking.losses`); the two
  terms
  are averaged separately, so λ weighs the mean semantic violation against the mean cross one.
- The semantic term uses the triplets the mini-batch contains (the paper: "we sample triplets
  within each minibatch"). To bound its cost (one hinge per same-cluster pair and negative),
  each anchor keeps its ``semantic_negatives`` closest other-cluster posts (the most violating
  ones, default 10); ``None`` keeps all of them. A post present twice in a batch (one tweet, two
  triplets) counts as its own neighbour; it only asks other clusters to stay ``m`` farther.
- The optional extra positive of §4.1 (another post of the same user from another cluster, see
  :mod:`pop_pipeline.ml.samplers.semantic_positives`) joins both terms: as a positive of the
  cross-instance term and as a post of the semantic term. Posts with cluster ``-1`` are left out
  of the semantic term; an extra positive with cluster ``-1`` is absent and left out of both.
- The paper gives neither the margin ``m`` (default 0.2 here) nor the embedding size nor how many
  FC layers each branch has (two here); ``d`` is computed as ``√max(‖a − b‖², 1e-12)`` so its
  gradient stays finite for coincident points.
- BatchNorm needs two rows to estimate batch statistics; a training batch of one row (the last
  mini-batch of an epoch can be) is normalised with the running statistics instead.
- ``modalities`` restricts the post branch to ``("image",)`` or ``("text",)`` (the paper's
  "vision" and text-only rows in Tables 1–2).
- The model never samples: triplets come from a sampler (paper 003: time-aware negatives).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

MODALITIES: tuple[str, ...] = ("image", "text")
DISTANCE_EPS = 1e-12


@dataclass(frozen=True)
class DSempreConfig:
    """Hyperparameters of :class:`DSempre`."""

    user_dim: int  # length of the user's bag-of-clusters vector (paper: 2,000 clusters)
    image_dim: int  # dimension of the image embedding
    text_dim: int  # dimension of the text embedding
    modality_dim: int = 2048  # FC width per post modality (paper: 2,048)
    descriptor_dim: int = 1024  # V_u and V_p (paper: 1,024)
    embedding_dim: int = 512  # the shared space (not given in the paper)
    margin: float = 0.2  # m of eqs. 2–4 (not given in the paper)
    semantic_weight: float = 0.3  # λ of eq. 4 (paper: best 0.3); 0 gives dsempre_nosem
    semantic_negatives: int | None = 10  # closest other-cluster posts per anchor; None = all
    dropout: float = 0.5  # after each ReLU of the embedding branches (paper: 0.5)
    modalities: tuple[str, ...] = MODALITIES  # ("image",), ("text",) or both

    def __post_init__(self) -> None:
        if min(self.user_dim, self.modality_dim, self.descriptor_dim, self.embedding_dim) < 1:
            raise ValueError("layer sizes must be at least 1")
        if not self.modalities or any(m not in MODALITIES for m in self.modalities):
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}")
        if len(set(self.modalities)) != len(self.modalities):
            raise ValueError(f"duplicate modalities in {self.modalities}")
        if self.margin < 0 or self.semantic_weight < 0:
            raise ValueError("margin and semantic_weight must be non-negative")
        if self.semantic_negatives is not None and self.semantic_negatives < 1:
            raise ValueError("semantic_negatives must be at least 1 or None")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must lie in [0, 1)")


class BatchNormAnyBatch(nn.BatchNorm1d):
    """``BatchNorm1d`` that uses its running statistics for a one-row training batch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and x.shape[0] < 2:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps
            )
        return super().forward(x)


class EmbeddingBranch(nn.Module):
    """FC → ReLU → Dropout → FC → BatchNorm → L2 normalisation (paper 003 §3.2, §4.1)."""

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, dropout: float) -> None:
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden_dim)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_dim, out_dim)
        self.norm = BatchNormAnyBatch(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.output(self.dropout(torch.relu(self.hidden(x)))))
        return F.normalize(x, dim=-1)


def euclidean_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise ``d(a, b) = √max(‖a − b‖², 1e-12)``."""
    return (a - b).pow(2).sum(-1).clamp_min(DISTANCE_EPS).sqrt()


def pairwise_distances(x: torch.Tensor) -> torch.Tensor:
    """``[N, N]`` Euclidean distances between rows of ``x`` (Gram matrix; same clamp)."""
    norms = x.pow(2).sum(-1)
    squared = norms.unsqueeze(1) + norms.unsqueeze(0) - 2.0 * x @ x.T
    return squared.clamp_min(DISTANCE_EPS).sqrt()


def cross_instance_hinge(
    users: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor, margin: float
) -> torch.Tensor:
    """Per-triplet ``max(0, m + d(u, p⁺) − d(u, p⁻))`` (paper 003 eq. 2), shape ``[B]``."""
    return torch.clamp(
        margin + euclidean_distance(users, positives) - euclidean_distance(users, negatives),
        min=0.0,
    )


def semantic_preserving_hinge(
    posts: torch.Tensor, clusters: torch.Tensor, margin: float, negatives: int | None = None
) -> torch.Tensor:
    """Mean of ``max(0, m + d(p_i, p_j) − d(p_i, p_k))`` over the batch (paper 003 eq. 3).

    ``i`` runs over the posts with a cluster (``clusters >= 0``), ``j ≠ i`` over the posts of
    ``i``'s cluster, ``k`` over the posts of any other cluster — or, with ``negatives = K``, over
    the ``K`` of them closest to ``p_i``. Zero (still attached to the graph) when the batch has
    no such triplet.
    """
    n = posts.shape[0]
    distances = pairwise_distances(posts)
    known = clusters >= 0
    same = (clusters.unsqueeze(1) == clusters.unsqueeze(0)) & known.unsqueeze(1) & known
    neighbours = same & ~torch.eye(n, dtype=torch.bool, device=posts.device)
    others = ~same & known.unsqueeze(1) & known
    if negatives is None or negatives >= n:
        negative_distances = distances
        negative_mask = others
    else:
        masked = distances.masked_fill(~others, float("inf"))
        negative_distances, _ = masked.topk(negatives, dim=1, largest=False)
        negative_mask = torch.isfinite(negative_distances)
        negative_distances = negative_distances.masked_fill(~negative_mask, 0.0)
    anchor, neighbour = neighbours.nonzero(as_tuple=True)  # the (i, j) pairs, [P]
    hinge = torch.clamp(
        margin + distances[anchor, neighbour].unsqueeze(1) - negative_distances[anchor], min=0.0
    )  # [P, K]
    valid = negative_mask[anchor]
    count = valid.sum()
    if int(count) == 0:
        return posts.sum() * 0.0
    return (hinge * valid).sum() / count


class DSempre(nn.Module):
    """The two-branch D-Sempre network and its loss; see the module docstring."""

    def __init__(self, config: DSempreConfig) -> None:
        super().__init__()
        self.config = config
        m, d, e = config.modality_dim, config.descriptor_dim, config.embedding_dim
        self.user_encoder = nn.Sequential(
            nn.Linear(config.user_dim, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU()
        )
        self.image_encoder = (
            nn.Sequential(nn.Linear(config.image_dim, m), nn.ReLU())
            if "image" in config.modalities
            else None
        )
        self.text_encoder = (
            nn.Sequential(nn.Linear(config.text_dim, m), nn.ReLU())
            if "text" in config.modalities
            else None
        )
        self.post_fusion = nn.Sequential(nn.Linear(len(config.modalities) * m, d), nn.ReLU())
        self.user_branch = EmbeddingBranch(d, d, e, config.dropout)
        self.post_branch = EmbeddingBranch(d, d, e, config.dropout)

    def embed_users(self, user_bags: torch.Tensor) -> torch.Tensor:
        """``[B, embedding_dim]`` unit vectors from ``[B, user_dim]`` bags of clusters."""
        return self.user_branch(self.user_encoder(user_bags))

    def embed_posts(self, image: torch.Tensor | None, text: torch.Tensor | None) -> torch.Tensor:
        """``[B, embedding_dim]`` unit vectors from image and text embeddings (``None`` if off)."""
        parts = []
        for encoder, features, name in (
            (self.image_encoder, image, "image"),
            (self.text_encoder, text, "text"),
        ):
            if encoder is None:
                continue
            if features is None:
                raise ValueError(f"the {name} modality is on but no {name} features were given")
            parts.append(encoder(features))
        return self.post_branch(self.post_fusion(torch.cat(parts, dim=-1)))

    def score(
        self, user_bags: torch.Tensor, image: torch.Tensor | None, text: torch.Tensor | None
    ) -> torch.Tensor:
        """``uᵀp`` per row, shape ``[B]`` (= ``1 − d²/2``); higher = closer = recommended first."""
        return (self.embed_users(user_bags) * self.embed_posts(image, text)).sum(-1)

    forward = score

    def calculate_loss(
        self,
        user_bags: torch.Tensor,
        pos_image: torch.Tensor | None,
        pos_text: torch.Tensor | None,
        neg_image: torch.Tensor | None,
        neg_text: torch.Tensor | None,
        pos_clusters: torch.Tensor | None = None,
        neg_clusters: torch.Tensor | None = None,
        extra_image: torch.Tensor | None = None,
        extra_text: torch.Tensor | None = None,
        extra_clusters: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Eq. 4 on a batch of ``B`` triplets ``(u, p⁺, p⁻)``, optionally with extra positives.

        Args:
            user_bags: ``[B, user_dim]`` bag of clusters of each triplet's user.
            pos_image, pos_text, neg_image, neg_text: ``[B, dim]`` post features.
            pos_clusters, neg_clusters: ``[B]`` semantic cluster of each post (``-1``: none);
                needed when ``semantic_weight > 0``.
            extra_image, extra_text, extra_clusters: the extra positive of each triplet
                (paper 003 §4.1), or ``None``; rows whose ``extra_clusters`` is ``-1`` are absent.
        """
        config = self.config
        batch = user_bags.shape[0]
        present = None if extra_clusters is None else extra_clusters >= 0
        images, texts = [pos_image, neg_image], [pos_text, neg_text]
        clusters = [pos_clusters, neg_clusters]
        if present is not None:  # absent extra positives never reach the network
            images.append(None if extra_image is None else extra_image[present])
            texts.append(None if extra_text is None else extra_text[present])
            clusters.append(extra_clusters[present])
        posts = self.embed_posts(
            None if self.image_encoder is None else torch.cat(images),
            None if self.text_encoder is None else torch.cat(texts),
        )
        users = self.embed_users(user_bags)
        positives, negatives = posts[:batch], posts[batch : 2 * batch]
        cross = cross_instance_hinge(users, positives, negatives, config.margin)
        if present is not None:
            extra_cross = cross_instance_hinge(
                users[present], posts[2 * batch :], negatives[present], config.margin
            )
            cross = torch.cat([cross, extra_cross])
        loss = cross.mean()
        if config.semantic_weight == 0:
            return loss
        if pos_clusters is None or neg_clusters is None:
            raise ValueError("semantic_weight > 0 needs pos_clusters and neg_clusters")
        semantic = semantic_preserving_hinge(
            posts, torch.cat(clusters).long(), config.margin, config.semantic_negatives
        )
        return loss + config.semantic_weight * semantic
