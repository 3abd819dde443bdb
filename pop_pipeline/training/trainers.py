"""Train each ranking model on :class:`RankingData`; return a package that can score anything.

Plain functions over plain PyTorch models (``pop_pipeline.ml``); the Dagster assets call them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from pop_pipeline.ml.models.amnl import AMNL, AMNLConfig, pad_followees
from pop_pipeline.ml.models.bpr import BPR, BPRConfig
from pop_pipeline.ml.models.popularity import PopularityRanker
from pop_pipeline.ml.training.batches import FeatureLookupTriplets
from pop_pipeline.ml.training.pairwise import train_pairwise
from pop_pipeline.registry.model_packages import AmnlPackage, BprPackage
from pop_pipeline.training.ranking_data import RankingData

EpochCallback = Callable[[int, float], None]


@dataclass(frozen=True)
class AmnlTrainingParams:
    preference_dim: int = 400  # paper 000: best user preference dimension
    attention_dim: int = 128  # not given in the paper
    margin: float = 0.6  # paper 000: best hinge margin c
    epochs: int = 10  # paper 000 Fig. 8: converges after the 9th epoch
    batch_size: int = 256
    learning_rate: float = 0.01  # paper 000 §III-C
    weight_decay: float = 1e-6  # the β‖Ψ‖² term, through the optimiser
    seed: int = 0


def train_amnl(
    data: RankingData,
    params: AmnlTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[AmnlPackage, list[float]]:
    """AMNL with linear fusion, AdaGrad, hinge loss on the followee-negative triplets."""
    torch.manual_seed(params.seed)
    config = AMNLConfig(
        n_users=len(data.user_ids),
        image_dim=data.image.shape[1],
        text_dim=data.text.shape[1],
        preference_dim=params.preference_dim,
        attention_dim=params.attention_dim,
        margin=params.margin,
    )
    followees = pad_followees(data.follow_source, data.follow_target, len(data.user_ids))
    model = AMNL(config, followees)
    triplets = FeatureLookupTriplets(
        users=torch.from_numpy(data.triplet_users.copy()),
        pos_tweets=torch.from_numpy(data.triplet_pos.copy()),
        neg_tweets=torch.from_numpy(data.triplet_neg.copy()),
        image_features=torch.from_numpy(data.image).to(device),
        text_features=torch.from_numpy(data.text).to(device),
    )
    losses = train_pairwise(
        model,
        triplets,
        epochs=params.epochs,
        batch_size=params.batch_size,
        optimizer="adagrad",
        lr=params.learning_rate,
        weight_decay=params.weight_decay,
        seed=params.seed,
        device=device,
        on_epoch_end=on_epoch_end,
    )
    return AmnlPackage(model=model.eval(), user_ids=data.user_ids), losses


@dataclass(frozen=True)
class BprTrainingParams:
    embedding_dim: int = 64
    reg: float = 1e-4
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 0.01
    seed: int = 0


def train_bpr(
    data: RankingData,
    params: BprTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[BprPackage, list[float]]:
    """BPR-MF on the same triplets; items are the tweets seen in training triplets."""
    torch.manual_seed(params.seed)
    seen = np.unique(np.concatenate([data.triplet_pos, data.triplet_neg]))
    item_of_row = {int(row): item for item, row in enumerate(seen)}
    items = [data.tweet_ids[row] for row in seen]
    model = BPR(
        BPRConfig(
            n_users=len(data.user_ids),
            n_items=len(items),
            embedding_dim=params.embedding_dim,
            reg=params.reg,
        )
    )
    to_items = np.vectorize(item_of_row.__getitem__, otypes=[np.int64])
    batches = (
        torch.from_numpy(data.triplet_users.copy()),
        torch.from_numpy(to_items(data.triplet_pos))
        if len(seen)
        else torch.zeros(0, dtype=torch.long),
        torch.from_numpy(to_items(data.triplet_neg))
        if len(seen)
        else torch.zeros(0, dtype=torch.long),
    )
    losses = train_pairwise(
        model,
        batches,
        epochs=params.epochs,
        batch_size=params.batch_size,
        optimizer="adam",
        lr=params.learning_rate,
        seed=params.seed,
        device=device,
        on_epoch_end=on_epoch_end,
    )
    return BprPackage(model=model.eval(), user_ids=data.user_ids, item_ids=items), losses


def fit_popularity(data: RankingData) -> PopularityRanker:
    return PopularityRanker().fit(data.train_retweets, data.train_tweets)
