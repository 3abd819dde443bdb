"""Triplet datasets for VBPR and D-Sempre, for ``pairwise.train_pairwise``.

Like :class:`pop_pipeline.ml.training.batches.FeatureLookupTriplets` (which CITING uses as is),
they store triplets as row indices into per-tweet feature tables and gather features per batch,
so memory holds one feature row per tweet rather than two per triplet. ``take(index)`` returns
the positional arguments of the model's ``calculate_loss``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class BootstrapVisualItemTriplets:
    """VBPR's bootstrap-sampled triplets: a fresh uniform negative for every positive, every batch.

    He & McAuley's VBPR learns by "stochastic gradient ascent ... with bootstrap sampling of
    training triples" (§3.2, after Rendle et al.'s LearnBPR), and Cornac's ``uij_iter`` does the
    same per batch. Each epoch visits every positive ``(user, item)`` pair once; ``take`` draws
    each pair's negative uniformly among the ``n_items`` training items with ``generator``,
    redrawing (up to ``max_redraws`` times) those the user has as a positive. A draw still
    clashing after that (a user with nearly every item as a positive) is kept, so a batch never
    stalls. ``take`` returns what :class:`VisualItemTriplets` returns.

    Deterministic given the generator's seed and the order of ``take`` calls.
    """

    users: torch.Tensor  # [P] user of each positive pair
    pos_items: torch.Tensor  # [P] VBPR item index of each positive
    item_rows: torch.Tensor  # [n_items] row of each item in ``image_features``
    image_features: torch.Tensor  # [n_tweets, visual_dim]
    generator: torch.Generator  # CPU generator behind every draw
    max_redraws: int = 20  # redraws of a negative that is one of the user's positives
    positive_keys: torch.Tensor = field(init=False, repr=False)  # sorted user * n_items + item

    def __post_init__(self) -> None:
        if len(self.users) != len(self.pos_items):
            raise ValueError("users and pos_items must have the same length")
        if len(self.item_rows) < 1:
            raise ValueError("bootstrap sampling needs at least one item")
        keys = torch.unique(self.users * len(self.item_rows) + self.pos_items)
        object.__setattr__(self, "positive_keys", keys)

    def __len__(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.item_rows)

    def take(self, index: torch.Tensor) -> Batch:
        users = self.users[index]
        pos_items = self.pos_items[index]
        neg_items = torch.randint(self.n_items, (len(index),), generator=self.generator)
        for _ in range(self.max_redraws):
            clash = torch.isin(users * self.n_items + neg_items, self.positive_keys)
            n_clash = int(clash.sum())
            if n_clash == 0:
                break
            neg_items[clash] = torch.randint(self.n_items, (n_clash,), generator=self.generator)
        return (
            users,
            pos_items,
            neg_items,
            self.image_features[self.item_rows[pos_items]],
            self.image_features[self.item_rows[neg_items]],
        )


@dataclass(frozen=True)
class DSempreTriplets:
    """D-Sempre triplets, with the posts' semantic clusters and optional extra positives.

    ``take`` returns ``(user_bags, pos_image, pos_text, neg_image, neg_text, pos_clusters,
    neg_clusters, extra_image, extra_text, extra_clusters)``: the arguments of
    :meth:`pop_pipeline.ml.models.ranking.dsempre.DSempre.calculate_loss`. Without ``extra_rows``
    the
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
