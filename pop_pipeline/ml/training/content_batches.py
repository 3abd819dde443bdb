"""Triplet datasets for VBPR and D-Sempre, for ``pairwise.train_pairwise``.

Like :class:`pop_pipeline.ml.training.batches.FeatureLookupTriplets` (which CITING uses as is),
they store triplets as row indices into per-tweet feature tables and gather features per batch,
so memory holds one feature row per tweet rather than two per triplet. ``take(index)`` returns
the positional arguments of the model's ``calculate_loss``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from pop_pipeline.ml.training.batches import Batch


@dataclass(frozen=True)
class VisualItemTriplets:
    """VBPR triplets: ``take`` returns ``(users, pos_items, neg_items, pos_image, neg_image)``."""

    users: torch.Tensor  # [T] user indices
    pos_items: torch.Tensor  # [T] VBPR item index of the retweeted tweet
    neg_items: torch.Tensor  # [T] VBPR item index of the negative
    pos_rows: torch.Tensor  # [T] row of the retweeted tweet in ``image_features``
    neg_rows: torch.Tensor  # [T] row of the negative in ``image_features``
    image_features: torch.Tensor  # [n_tweets, visual_dim]

    def __post_init__(self) -> None:
        lengths = {len(t) for t in (self.users, self.pos_items, self.neg_items)}
        lengths |= {len(self.pos_rows), len(self.neg_rows)}
        if len(lengths) != 1:
            raise ValueError("all triplet index tensors must have the same length")

    def __len__(self) -> int:
        return len(self.users)

    def take(self, index: torch.Tensor) -> Batch:
        return (
            self.users[index],
            self.pos_items[index],
            self.neg_items[index],
            self.image_features[self.pos_rows[index]],
            self.image_features[self.neg_rows[index]],
        )


@dataclass(frozen=True)
class DSempreTriplets:
    """D-Sempre triplets, with the posts' semantic clusters and optional extra positives.

    ``take`` returns ``(user_bags, pos_image, pos_text, neg_image, neg_text, pos_clusters,
    neg_clusters, extra_image, extra_text, extra_clusters)``: the arguments of
    :meth:`pop_pipeline.ml.models.dsempre.DSempre.calculate_loss`. Without ``extra_rows`` the
    last three are ``None``; a triplet whose extra row is ``-1`` gets extra cluster ``-1``
    (absent) and, as a placeholder the model drops, the features of its positive.
    """

    users: torch.Tensor  # [T] user indices into ``user_bags``
    pos_rows: torch.Tensor  # [T] feature row of the positive post
    neg_rows: torch.Tensor  # [T] feature row of the negative post
    user_bags: torch.Tensor  # [n_users, k] bags of semantic clusters
    post_clusters: torch.Tensor  # [n_tweets] semantic cluster of each feature row (-1: none)
    image_features: torch.Tensor | None  # [n_tweets, image_dim], None if unused
    text_features: torch.Tensor | None  # [n_tweets, text_dim], None if unused
    extra_rows: torch.Tensor | None = None  # [T] extra positive's row, -1 if none

    def __post_init__(self) -> None:
        lengths = {len(self.users), len(self.pos_rows), len(self.neg_rows)}
        if self.extra_rows is not None:
            lengths.add(len(self.extra_rows))
        if len(lengths) != 1:
            raise ValueError("users, pos_rows, neg_rows (and extra_rows) must have one length")

    def __len__(self) -> int:
        return len(self.users)

    def _features(self, rows: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        image, text = self.image_features, self.text_features
        return (None if image is None else image[rows], None if text is None else text[rows])

    def take(self, index: torch.Tensor) -> Batch:
        pos, neg = self.pos_rows[index], self.neg_rows[index]
        pos_image, pos_text = self._features(pos)
        neg_image, neg_text = self._features(neg)
        extra_image = extra_text = extra_clusters = None
        if self.extra_rows is not None:
            extra = self.extra_rows[index]
            present = extra >= 0
            rows = torch.where(present, extra, pos)
            extra_image, extra_text = self._features(rows)
            clusters = self.post_clusters[rows]  # on the clusters' device, maybe a GPU
            extra_clusters = clusters.masked_fill(~present.to(clusters.device), -1)
        return (
            self.user_bags[self.users[index]],
            pos_image,
            pos_text,
            neg_image,
            neg_text,
            self.post_clusters[pos],
            self.post_clusters[neg],
            extra_image,
            extra_text,
            extra_clusters,
        )
