"""Train each ranking model on :class:`RankingData`; return a package that can score anything.

Plain functions over plain PyTorch models (``pop_pipeline.ml``); the Dagster assets call them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from pop_pipeline.ml.config_defaults import field_default
from pop_pipeline.ml.models.ranking.amnl import AMNL, AMNLConfig, pad_followees
from pop_pipeline.ml.models.ranking.amnl_plus import AMNLPlus, AMNLPlusConfig
from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.models.ranking.popularity_baseline import PopularityRanker
from pop_pipeline.ml.training.batches import FeatureLookupTriplets
from pop_pipeline.ml.training.tweet_table_triplets import TweetTableTriplets
from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.fit.pairwise_setup import (
    fit_pairwise,
    triplet_tensors,
    untrained_users_of,
)
from pop_pipeline.ranking.packages.amnl_bpr_popularity import AmnlPackage, BprPackage

EpochCallback = Callable[[int, float], None]


@dataclass(frozen=True)
class AmnlTrainingParams:
    preference_dim: int = 400  # paper 000: best user preference dimension
    attention_dim: int = 128  # not given in the paper
    margin: float = field_default(AMNLConfig, "margin")  # the model's hinge margin c
    epochs: int = 10  # paper 000 Fig. 8: converges after the 9th epoch
    batch_size: int = 256
    learning_rate: float = 0.01  # paper 000 §III-C
    weight_decay: float = 1e-6  # the β‖Ψ‖² term, through the optimiser
    seed: int = 0
    modalities: tuple[str, ...] = ("image", "text")  # ("image",): AMNL_i, ("text",): AMNL_d
    use_social_impact: bool = True  # False: AMNL_hfunc (F = f_u(z), Table IV)


def train_amnl(
    data: RankingData,
    params: AmnlTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[AmnlPackage, list[float]]:
    """AMNL with linear fusion, AdaGrad, hinge loss on the followee-negative triplets.

    ``params.modalities`` and ``params.use_social_impact`` give Table IV's ablations.
    """
    torch.manual_seed(params.seed)
    config = AMNLConfig(
        n_users=len(data.user_ids),
        image_dim=data.image.shape[1],
        text_dim=data.text.shape[1],
        preference_dim=params.preference_dim,
        attention_dim=params.attention_dim,
        margin=params.margin,
        use_social_impact=params.use_social_impact,
        modalities=tuple(params.modalities),
    )
    followees = pad_followees(data.follow_source, data.follow_target, len(data.user_ids))
    model = AMNL(config, followees)
    triplets = FeatureLookupTriplets(
        *triplet_tensors(data),
        image_features=(
            torch.from_numpy(data.image).to(device) if "image" in config.modalities else None
        ),
        text_features=(
            torch.from_numpy(data.text).to(device) if "text" in config.modalities else None
        ),
    )
    losses = fit_pairwise(
        model, triplets, params, optimizer="adagrad", device=device, on_epoch_end=on_epoch_end
    )
    return AmnlPackage(model=model.eval(), user_ids=data.user_ids), losses


@dataclass(frozen=True)
class AmnlPlusFeatures:
    """AMNL+'s per-tweet tensors, row-aligned with ``RankingData.tweet_ids`` (read back from
    the feature shards with :func:`pop_pipeline.ml.clip.feature_files.read_features`)."""

    patches: np.ndarray  # [n_tweets, grid_h·grid_w, d] image patch grid (patch_features)
    sentences: np.ndarray  # [n_tweets, n_sentences, d] sentence features (sentence_features)
    grid: tuple[int, int]  # (grid_h, grid_w) of the patch grid


@dataclass(frozen=True)
class AmnlPlusTrainingParams:
    preference_dim: int = 400  # paper 000: best user preference dimension
    social_attention_dim: int = 128  # not given in the paper
    text_attention_dim: int = 128  # not given in the paper
    rnn_dim: int = 256  # paper 000: best 1000; smaller for a 2-core CPU
    glimpse_size: int = 3  # patches per side of the glimpse η(x, l); not in the paper
    margin: float = field_default(AMNLPlusConfig, "margin")  # the model's hinge margin c
    textual_guidance: bool = True  # False: AMNL+_i
    use_social_impact: bool = True  # False: AMNL+_hfunc
    epochs: int = 10  # paper 000 Fig. 8: converges after the 9th epoch
    batch_size: int = 256
    learning_rate: float = 0.01  # paper 000 §III-C
    weight_decay: float = 1e-6  # the β‖Ψ‖² term, through the optimiser
    seed: int = 0


def train_amnl_plus(
    data: RankingData,
    features: AmnlPlusFeatures,
    params: AmnlPlusTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> tuple[AMNLPlus, list[float]]:
    """AMNL+ (textually guided fusion), AdaGrad, hinge loss on the followee-negative triplets.

    ``data.image`` is the global image embedding ``f_i``; ``features`` adds the patch grids and
    the sentence features of the same tweets. Returns the trained model in eval mode.
    """
    n_tweets = len(data.tweet_ids)
    if len(features.patches) != n_tweets or len(features.sentences) != n_tweets:
        raise ValueError(f"AMNL+ features must have one row per tweet ({n_tweets})")
    torch.manual_seed(params.seed)
    config = AMNLPlusConfig(
        n_users=len(data.user_ids),
        patch_dim=features.patches.shape[2],
        image_dim=data.image.shape[1],
        sentence_dim=features.sentences.shape[2],
        grid_height=features.grid[0],
        grid_width=features.grid[1],
        n_sentences=features.sentences.shape[1],
        glimpse_size=params.glimpse_size,
        rnn_dim=params.rnn_dim,
        text_attention_dim=params.text_attention_dim,
        preference_dim=params.preference_dim,
        social_attention_dim=params.social_attention_dim,
        margin=params.margin,
        textual_guidance=params.textual_guidance,
        use_social_impact=params.use_social_impact,
    )
    followees = pad_followees(data.follow_source, data.follow_target, len(data.user_ids))
    model = AMNLPlus(config, followees)
    sentences = (
        torch.from_numpy(np.asarray(features.sentences, dtype=np.float32)).to(device)
        if params.textual_guidance
        else None
    )
    triplets = TweetTableTriplets(
        *triplet_tensors(data),
        tables=(
            torch.from_numpy(np.asarray(features.patches, dtype=np.float32)).to(device),
            torch.from_numpy(data.image).to(device),
            sentences,
        ),
    )
    losses = fit_pairwise(
        model, triplets, params, optimizer="adagrad", device=device, on_epoch_end=on_epoch_end
    )
    return model.eval(), losses


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
    losses = fit_pairwise(
        model, batches, params, optimizer="adam", device=device, on_epoch_end=on_epoch_end
    )
    model.reset_untrained_users(untrained_users_of(data))
    return BprPackage(model=model.eval(), user_ids=data.user_ids, item_ids=items), losses


def fit_popularity(data: RankingData) -> PopularityRanker:
    return PopularityRanker().fit(data.train_retweets, data.train_tweets)
