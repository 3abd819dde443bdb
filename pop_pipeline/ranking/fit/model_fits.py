"""Fit any retweet-ranking model on one protocol's data: what a model asset trains and publishes.

Each ``fit_*`` is a plain function ``(inputs, params, device, on_epoch_end) -> FittedRanking``
over the trainers of :mod:`pop_pipeline.ranking.fit.trainers` and
:mod:`pop_pipeline.ranking.fit.content_trainers`: it trains, scores the protocol's test candidates
and says how to write the model package that the registered pyfunc loads. The Dagster assets
(``pop_pipeline/defs/ranking``) pick the function and the params from a spec table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from pop_pipeline.ml.clip.feature_files import read_features
from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.fit.content_trainers import (
    CitingTrainingParams,
    DSempreTrainingParams,
    UserProfileTexts,
    VbprTrainingParams,
    train_citing,
    train_dsempre,
    train_vbpr,
)
from pop_pipeline.ranking.fit.trainers import (
    AmnlPlusFeatures,
    AmnlPlusTrainingParams,
    AmnlTrainingParams,
    BprTrainingParams,
    EpochCallback,
    fit_popularity,
    train_amnl,
    train_amnl_plus,
    train_bpr,
)
from pop_pipeline.ranking.packages import content_models as packages
from pop_pipeline.ranking.packages.amnl_bpr_popularity import save_popularity
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.storage.embedding_tables import (
    PATCH_INDEX_TABLE,
    PROFILE_TABLE,
    SENTENCE_INDEX_TABLE,
)


@dataclass
class FittedRanking:
    """A trained model, its scores on the protocol's test candidates and how to package it."""

    test_scores: np.ndarray  # one per row of ``RankingData.test``
    losses: list[float]  # mean training loss per epoch (empty for popularity)
    save: Callable[[Path], None]  # writes the model package into a folder
    bundles_clip: bool  # the pyfunc encodes raw tweets: the package must hold the CLIP
    metadata: dict[str, object] = field(default_factory=dict)  # logged as params too


class RankingInputs:
    """One protocol's :class:`RankingData` plus the extra inputs some models read (loaded on
    first use): AMNL+'s patch and sentence shards and D-Sempre's profile-phrase embeddings."""

    def __init__(self, store: DuckDBStore, data: RankingData) -> None:
        self.store = store
        self.data = data

    @cached_property
    def amnl_plus_tables(self) -> tuple[AmnlPlusFeatures, np.ndarray]:
        """AMNL+'s patch grids and sentence features, and the pooled image embedding ``f_i``
        from the same forward pass as the patches, all row-aligned with ``data.tweet_ids``."""
        patches = self.store.table(PATCH_INDEX_TABLE)
        sentences = self.store.table(SENTENCE_INDEX_TABLE)
        tweets = self.data.tweet_ids
        image = read_features(patches, tweets, names=["patches", "pooled"])
        text = read_features(sentences, tweets, names=["sentences"])
        grid = (int(patches["grid_height"].iloc[0]), int(patches["grid_width"].iloc[0]))
        features = AmnlPlusFeatures(
            patches=image["patches"], sentences=text["sentences"], grid=grid
        )
        return features, image["pooled"].astype(np.float32)

    @cached_property
    def profile_texts(self) -> UserProfileTexts:
        phrases = self.store.query(
            f"SELECT user_id, embedding FROM {PROFILE_TABLE} ORDER BY user_id, position"
        )
        index = self.data.user_index
        phrases = phrases[phrases["user_id"].isin(index)]
        embeddings = (
            np.stack(phrases["embedding"].to_numpy()).astype(np.float32)
            if len(phrases)
            else np.zeros((0, self.data.text.shape[1]), dtype=np.float32)
        )
        return UserProfileTexts(
            embeddings=embeddings,
            user_rows=phrases["user_id"].map(index).to_numpy(np.int64),
        )


def _test_rows(data: RankingData) -> np.ndarray:
    return data.test["row"].to_numpy(np.int64)


def fit_amnl(
    inputs: RankingInputs,
    params: AmnlTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    """AMNL or one of its ablations (``modalities``, ``use_social_impact``)."""
    data = inputs.data
    package, losses = train_amnl(data, params, device, on_epoch_end)
    rows = _test_rows(data)
    scores = package.score(data.test["user_id"], data.image[rows], data.text[rows])
    return FittedRanking(scores, losses, package.save, bundles_clip=True)


def fit_amnl_plus(
    inputs: RankingInputs,
    params: AmnlPlusTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    """AMNL+ or one of its ablations (``textual_guidance``, ``use_social_impact``)."""
    features, pooled = inputs.amnl_plus_tables
    data = dataclasses.replace(inputs.data, image=pooled)
    model, losses = train_amnl_plus(data, features, params, device, on_epoch_end)
    package = packages.AmnlPlusPackage(model=model, user_ids=list(data.user_ids))
    scores = package.score(
        data.test["user_id"], _test_rows(data), features.patches, data.image, features.sentences
    )
    return FittedRanking(scores, losses, package.save, bundles_clip=True)


def fit_vbpr(
    inputs: RankingInputs,
    params: VbprTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    data = inputs.data
    trained, losses = train_vbpr(data, params, device, on_epoch_end)
    scores = trained.score(
        data.test["user_id"], data.test["tweet_id"], data.image[_test_rows(data)]
    )
    return FittedRanking(
        scores,
        losses,
        lambda folder: packages.save_vbpr(trained, folder),
        bundles_clip=True,
        metadata={"items": len(trained.item_ids)},
    )


def fit_citing(
    inputs: RankingInputs,
    params: CitingTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    data = inputs.data
    trained, losses = train_citing(data, params, device, on_epoch_end)
    rows = _test_rows(data)
    scores = trained.score(data.test["user_id"], data.image[rows], data.text[rows])
    return FittedRanking(
        scores, losses, lambda folder: packages.save_citing(trained, folder), bundles_clip=True
    )


def fit_dsempre(
    inputs: RankingInputs,
    params: DSempreTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    """D-Sempre (``semantic_weight`` 0: ``dsempre_nosem``); logs the cluster counts used."""
    data = inputs.data
    trained, losses = train_dsempre(data, inputs.profile_texts, params, device, on_epoch_end)
    rows = _test_rows(data)
    scores = trained.score(data.test["user_id"], data.image[rows], data.text[rows])
    return FittedRanking(
        scores,
        losses,
        lambda folder: packages.save_dsempre(trained, folder),
        bundles_clip=True,
        metadata={
            "user_clusters_k": trained.user_clusters.k,
            "post_clusters_k": 0 if trained.post_clusters is None else trained.post_clusters.k,
            "profile_texts": len(inputs.profile_texts.embeddings),
        },
    )


def fit_bpr(
    inputs: RankingInputs,
    params: BprTrainingParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    data = inputs.data
    package, losses = train_bpr(data, params, device, on_epoch_end)
    scores = package.score(data.test["user_id"], data.test["tweet_id"])
    return FittedRanking(scores, losses, package.save, bundles_clip=False)


@dataclass(frozen=True)
class PopularityParams:
    """Popularity has no hyperparameters (training retweet counts, the author's mean)."""


def fit_popularity_ranking(
    inputs: RankingInputs,
    params: PopularityParams,
    device: torch.device,
    on_epoch_end: EpochCallback | None = None,
) -> FittedRanking:
    data = inputs.data
    ranker = fit_popularity(data)
    scores = ranker.score(data.test["tweet_id"], data.test["author_id"])
    return FittedRanking(
        scores, [], lambda folder: save_popularity(ranker, folder), bundles_clip=False
    )
