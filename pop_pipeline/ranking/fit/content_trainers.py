"""Train the content-aware ranking models (VBPR, CITING stand-in, D-Sempre) on RankingData.

Plain functions over plain PyTorch models (``pop_pipeline.ml``), beside
:mod:`pop_pipeline.ranking.fit.trainers`; the Dagster assets call them. Each returns the trained
model with the id maps it needs to score (``Trained*``: ``score`` takes ids and feature arrays,
returns float64 scores, higher = more likely retweeted) and the mean training loss per epoch.
All three train with :func:`pop_pipeline.ranking.fit.pairwise_setup.fit_pairwise` on the triplets of
the :class:`RankingData` given (followee negatives for the AMNL protocol; a time-aware sample
for the D-Sempre protocol, if the caller loads one into ``triplet_*``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from pop_pipeline.ml.features.semantic_clusters import (
    NO_CLUSTER,
    SemanticClusters,
    fit_semantic_clusters,
    scaled_cluster_count,
    user_cluster_bags,
)
from pop_pipeline.ml.models.ranking.citing import Citing, CitingConfig
from pop_pipeline.ml.models.ranking.dsempre import DSempre, DSempreConfig
from pop_pipeline.ml.models.ranking.vbpr import VBPR, VBPRConfig
from pop_pipeline.ml.samplers.semantic_positives import sample_extra_positives
from pop_pipeline.ml.training.batches import FeatureLookupTriplets
from pop_pipeline.ml.training.content_batches import (
    BootstrapVisualItemTriplets,
    DSempreTriplets,
    VisualItemTriplets,
)
from pop_pipeline.ml.training.pairwise import OptimizerName
from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.fit.pairwise_setup import (
    fit_pairwise,
    triplet_tensors,
    untrained_users_of,
)

EpochCallback = Callable[[int, float], None]


def _indices(ids: Iterable[object], index: dict[str, int], missing: int) -> torch.Tensor:
    return torch.tensor([index.get(str(value), missing) for value in ids], dtype=torch.long)


def _as_tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float32), device=device)


def _model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


# --- VBPR -------------------------------------------------------------------------------------

VBPR_NEGATIVES = ("bootstrap", "triplets")


@dataclass(frozen=True)
class VbprTrainingParams:
    embedding_dim: int = 32  # K (γ)
    visual_embedding_dim: int = 32  # K' (θ, rows of E)
    reg: float = 1e-4  # λ_Θ
    reg_visual: float = 0.0  # λ_E
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 0.01
    seed: int = 0
    # "bootstrap": each positive pair once per epoch, a fresh uniform negative per batch among
    # the training items (VBPR §3.2, as Cornac); "triplets": the sampler's fixed triplets
    negatives: str = "bootstrap"

    def __post_init__(self) -> None:
        if self.negatives not in VBPR_NEGATIVES:
            raise ValueError(f"negatives must be one of {VBPR_NEGATIVES}, got {self.negatives!r}")


@dataclass
class TrainedVbpr:
    model: VBPR
    user_ids: list[str]  # user index -> id
    item_ids: list[str]  # VBPR item index -> tweet id (tweets of the training triplets)

    @torch.inference_mode()
    def score(
        self, user_ids: Iterable[object], tweet_ids: Iterable[object], image: np.ndarray
    ) -> np.ndarray:
        """Scores of (user, tweet) rows; ``image[r]`` is the CLIP image embedding of row ``r``.

        Unknown users and tweets unseen in training take the model's unknown/cold slots.
        """
        users = {u: i for i, u in enumerate(self.user_ids)}
        items = {t: i for i, t in enumerate(self.item_ids)}
        device = _model_device(self.model)
        scores = self.model.score(
            _indices(user_ids, users, self.model.unknown_user_index).to(device),
            _indices(tweet_ids, items, self.model.cold_item_index).to(device),
            _as_tensor(image, device),
        )
        return scores.double().cpu().numpy()


def train_vbpr(
    data: RankingData,
    params: VbprTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[TrainedVbpr, list[float]]:
    """VBPR on ``data``'s training positives; ``f_i = data.image``.

    Items are the tweets of the triplets (positives and sampled negatives). With
    ``params.negatives == "bootstrap"`` (default) the positives are the distinct (user, tweet)
    pairs of the triplets and every batch draws fresh uniform negatives among the items
    (:class:`BootstrapVisualItemTriplets`); with ``"triplets"`` the triplets are used as given.
    On the ``demo`` world (AMNL protocol, 80 %, 3 seeds) bootstrap negatives gave AUC 0.733
    against 0.728 with the fixed followee triplets (docs/BENCHMARKS.md, Cornac section).
    """
    torch.manual_seed(params.seed)
    seen = np.unique(np.concatenate([data.triplet_pos, data.triplet_neg]))
    item_of_row = np.full(len(data.tweet_ids), -1, dtype=np.int64)
    item_of_row[seen] = np.arange(len(seen))
    model = VBPR(
        VBPRConfig(
            n_users=len(data.user_ids),
            n_items=max(len(seen), 1),
            visual_dim=data.image.shape[1],
            embedding_dim=params.embedding_dim,
            visual_embedding_dim=params.visual_embedding_dim,
            reg=params.reg,
            reg_visual=params.reg_visual,
        )
    )
    image = _as_tensor(data.image, device)
    triplets: VisualItemTriplets | BootstrapVisualItemTriplets
    if params.negatives == "bootstrap":
        pairs = np.unique(np.stack([data.triplet_users, data.triplet_pos], axis=1), axis=0)
        triplets = BootstrapVisualItemTriplets(
            users=torch.from_numpy(pairs[:, 0].astype(np.int64)),
            pos_items=torch.from_numpy(item_of_row[pairs[:, 1]]),
            item_rows=torch.from_numpy(seen.astype(np.int64)),
            image_features=image,
            generator=torch.Generator().manual_seed(params.seed),
        )
    else:
        triplets = VisualItemTriplets(
            users=torch.from_numpy(data.triplet_users.astype(np.int64)),
            pos_items=torch.from_numpy(item_of_row[data.triplet_pos]),
            neg_items=torch.from_numpy(item_of_row[data.triplet_neg]),
            pos_rows=torch.from_numpy(data.triplet_pos.astype(np.int64)),
            neg_rows=torch.from_numpy(data.triplet_neg.astype(np.int64)),
            image_features=image,
        )
    losses = fit_pairwise(
        model, triplets, params, optimizer="adam", device=device, on_epoch_end=on_epoch_end
    )
    model.reset_untrained_users(untrained_users_of(data))
    item_ids = [data.tweet_ids[row] for row in seen]
    return TrainedVbpr(model=model.eval(), user_ids=list(data.user_ids), item_ids=item_ids), losses


# --- CITING stand-in --------------------------------------------------------------------------


@dataclass(frozen=True)
class CitingTrainingParams:
    embedding_dim: int = 64
    reg: float = 1e-4  # λ on p_u
    reg_content: float = 1e-4  # λ on W_v, W_t
    modalities: tuple[str, ...] = ("image", "text")
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 0.01
    seed: int = 0


@dataclass
class TrainedCiting:
    model: Citing
    user_ids: list[str]  # user index -> id

    @torch.inference_mode()
    def score(self, user_ids: Iterable[object], image: np.ndarray, text: np.ndarray) -> np.ndarray:
        """Scores of (user, tweet) rows from the tweets' image and text embeddings."""
        users = {u: i for i, u in enumerate(self.user_ids)}
        device = _model_device(self.model)
        scores = self.model.score(
            _indices(user_ids, users, self.model.unknown_user_index).to(device),
            _as_tensor(image, device),
            _as_tensor(text, device),
        )
        return scores.double().cpu().numpy()


def train_citing(
    data: RankingData,
    params: CitingTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[TrainedCiting, list[float]]:
    """The CITING stand-in on ``data``'s triplets with ``data.image`` and ``data.text``."""
    torch.manual_seed(params.seed)
    model = Citing(
        CitingConfig(
            n_users=len(data.user_ids),
            image_dim=data.image.shape[1],
            text_dim=data.text.shape[1],
            embedding_dim=params.embedding_dim,
            modalities=params.modalities,
            reg=params.reg,
            reg_content=params.reg_content,
        )
    )
    triplets = FeatureLookupTriplets(
        *triplet_tensors(data),
        image_features=_as_tensor(data.image, device) if "image" in params.modalities else None,
        text_features=_as_tensor(data.text, device) if "text" in params.modalities else None,
    )
    losses = fit_pairwise(
        model, triplets, params, optimizer="adam", device=device, on_epoch_end=on_epoch_end
    )
    return TrainedCiting(model=model.eval(), user_ids=list(data.user_ids)), losses


# --- D-Sempre ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserProfileTexts:
    """Embeddings of the users' profile texts (paper 003 §3.1.2), one row per text.

    A user may have several rows (e.g. one per phrase of
    :func:`pop_pipeline.ml.features.semantic_clusters.profile_phrases`) or none.
    """

    embeddings: np.ndarray  # [n_texts, d] text embeddings (e.g. the CLIP text tower)
    user_rows: np.ndarray  # [n_texts] writer of each text, as an index into RankingData.user_ids

    def __post_init__(self) -> None:
        if len(self.embeddings) != len(self.user_rows):
            raise ValueError("embeddings and user_rows must have the same length")


@dataclass(frozen=True)
class DSempreTrainingParams:
    user_clusters: int = 2000  # requested k for profile texts (paper 2,000), then scaled
    post_clusters: int = 2000  # requested k for post texts (paper 2,000), then scaled
    modality_dim: int = 256  # paper 2,048; scaled down for CPU-sized worlds and 128-d CLIP inputs
    descriptor_dim: int = 256  # paper 1,024
    embedding_dim: int = 128  # not given in the paper
    margin: float = 0.2  # m, not given in the paper
    semantic_weight: float = 0.3  # λ (paper: best 0.3); 0 trains dsempre_nosem
    semantic_negatives: int | None = 10  # closest other-cluster posts per anchor; None = all
    extra_positive: bool = True  # paper 003 §4.1: one more positive from another cluster
    dropout: float = 0.5  # paper 0.5
    modalities: tuple[str, ...] = ("image", "text")
    epochs: int = 10
    batch_size: int = 256
    optimizer: OptimizerName = "adam"  # paper: SGD with momentum 0.9 (the loop has no momentum)
    learning_rate: float = 1e-3  # paper: 0.01 with SGD
    weight_decay: float = 1e-5  # paper 1e-5
    seed: int = 0


@dataclass
class TrainedDSempre:
    model: DSempre
    user_ids: list[str]  # user index -> id
    user_bags: np.ndarray  # [n_users, k_user] bag of clusters of each training-time user
    user_clusters: SemanticClusters  # fitted on the profile texts
    post_clusters: SemanticClusters | None  # fitted on the training posts' texts; None if λ = 0

    @torch.inference_mode()
    def score(self, user_ids: Iterable[object], image: np.ndarray, text: np.ndarray) -> np.ndarray:
        """Scores ``uᵀp`` of (user, tweet) rows; an unknown user gets the mean known bag."""
        users = {u: i for i, u in enumerate(self.user_ids)}
        mean_bag = self.user_bags.mean(axis=0, keepdims=True)
        bags = np.concatenate([self.user_bags, mean_bag])
        rows = _indices(user_ids, users, len(self.user_ids)).numpy()
        device = _model_device(self.model)
        scores = self.model.score(
            _as_tensor(bags[rows], device), _as_tensor(image, device), _as_tensor(text, device)
        )
        return scores.double().cpu().numpy()


def train_dsempre(
    data: RankingData,
    profiles: UserProfileTexts,
    params: DSempreTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[TrainedDSempre, list[float]]:
    """D-Sempre (paper 003 §3) on ``data``'s triplets.

    1. k-means over ``profiles.embeddings`` (k = ``scaled_cluster_count(user_clusters, n)``)
       and each user's bag of clusters from their own and their followees' profile texts
       (``data.follow_source/target``);
    2. if ``semantic_weight > 0``: k-means over the text vectors (``data.text``) of the tweets in
       the training triplets (test tweets are only assigned, never fitted), and, with
       ``extra_positive``, one extra positive per triplet from another cluster;
    3. the pairwise loop with the params' optimiser; the model is returned in eval mode.
    """
    if not len(profiles.embeddings):
        raise ValueError("D-Sempre needs at least one profile text embedding")
    n_users = len(data.user_ids)
    user_k = scaled_cluster_count(params.user_clusters, len(profiles.embeddings))
    user_clusters = fit_semantic_clusters(profiles.embeddings, user_k, seed=params.seed)
    user_bags = user_cluster_bags(
        user_clusters.assign(profiles.embeddings),
        profiles.user_rows,
        n_users,
        data.follow_source,
        data.follow_target,
        user_clusters.k,
    )
    post_clusters: SemanticClusters | None = None
    post_labels = np.full(len(data.tweet_ids), NO_CLUSTER, dtype=np.int64)
    extra_rows = None
    if params.semantic_weight > 0:
        train_rows = np.unique(np.concatenate([data.triplet_pos, data.triplet_neg]))
        if len(train_rows):
            post_k = scaled_cluster_count(params.post_clusters, len(train_rows))
            post_clusters = fit_semantic_clusters(data.text[train_rows], post_k, seed=params.seed)
            post_labels = post_clusters.assign(data.text)
        if params.extra_positive:
            extra_rows = torch.from_numpy(
                sample_extra_positives(
                    data.triplet_users, data.triplet_pos, post_labels, seed=params.seed
                )
            )
    torch.manual_seed(params.seed)
    model = DSempre(
        DSempreConfig(
            user_dim=user_clusters.k,
            image_dim=data.image.shape[1],
            text_dim=data.text.shape[1],
            modality_dim=params.modality_dim,
            descriptor_dim=params.descriptor_dim,
            embedding_dim=params.embedding_dim,
            margin=params.margin,
            semantic_weight=params.semantic_weight,
            semantic_negatives=params.semantic_negatives,
            dropout=params.dropout,
            modalities=params.modalities,
        )
    )
    triplets = DSempreTriplets(
        *triplet_tensors(data),
        user_bags=_as_tensor(user_bags, device),
        post_clusters=torch.from_numpy(post_labels).to(device),
        image_features=_as_tensor(data.image, device) if "image" in params.modalities else None,
        text_features=_as_tensor(data.text, device) if "text" in params.modalities else None,
        extra_rows=extra_rows,
    )
    losses = fit_pairwise(
        model,
        triplets,
        params,
        optimizer=params.optimizer,
        device=device,
        on_epoch_end=on_epoch_end,
    )  # D-Sempre has no per-user parameters: a user is their bag of profile clusters
    trained = TrainedDSempre(
        model=model.eval(),
        user_ids=list(data.user_ids),
        user_bags=user_bags,
        user_clusters=user_clusters,
        post_clusters=post_clusters,
    )
    return trained, losses
