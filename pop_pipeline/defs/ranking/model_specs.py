"""The retweet-ranking models as data: one spec per model, one asset per spec (``assets.py``).

A spec names the model (its asset is ``<name>_model``, its registered model ``pop-<name>``),
its run configuration (:mod:`~pop_pipeline.defs.ranking.model_configs`), the trainer's params
class and the plain function that fits it (:mod:`pop_pipeline.ranking.fit.model_fits`), the
pyfunc that serves it, and ``variant``: the fixed parameters that make an ablation (Table IV of
paper 000: ``amnl_i`` is AMNL with ``modalities=("image",)``), applied over the config.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import dagster as dg
import mlflow

from pop_pipeline.defs.ranking import model_configs as configs
from pop_pipeline.ml.models.ranking.amnl_plus import AMNL_PLUS_VARIANTS
from pop_pipeline.ranking import pyfunc as pyfuncs
from pop_pipeline.ranking.fit import model_fits as fits
from pop_pipeline.ranking.fit.content_trainers import (
    CitingTrainingParams,
    DSempreTrainingParams,
    VbprTrainingParams,
)
from pop_pipeline.ranking.fit.trainers import (
    AmnlPlusTrainingParams,
    AmnlTrainingParams,
    BprTrainingParams,
)
from pop_pipeline.ranking.protocols import AMNL_PROTOCOL, DSEMPRE_PROTOCOL

FEATURE_DEPS = {
    "amnl_plus": ("tweet_patch_features", "tweet_sentence_features"),
    "dsempre": ("user_profile_embeddings",),
}


@dataclass(frozen=True)
class RankingModelSpec:
    name: str  # asset ``<name>_model``, registered model ``pop-<name>``, metrics row ``<name>``
    description: str
    config: type[configs.RankingModelConfig]
    params: type  # the trainer's frozen params dataclass
    fit: Callable[..., fits.FittedRanking]
    pyfunc: type[mlflow.pyfunc.PythonModel]
    variant: dict[str, Any] = field(default_factory=dict)  # fixed params over the config
    registered_protocol: str = AMNL_PROTOCOL  # whose run is registered (largest fraction)
    feature_deps: tuple[str, ...] = ()  # feature assets beyond tweet_embeddings
    pool: str = "gpu"

    @property
    def asset_name(self) -> str:
        return f"{self.name}_model"

    def training_params(self, config: dg.Config) -> Any:
        """The trainer's params: the config's values for the params' fields, then ``variant``."""
        names = {f.name for f in fields(self.params)}
        values = {k: v for k, v in config.model_dump().items() if k in names}
        return self.params(**{**values, **self.variant})


def _amnl(name: str, description: str, **variant: Any) -> RankingModelSpec:
    return RankingModelSpec(
        name=name,
        description=description,
        config=configs.AmnlAblationConfig if variant else configs.AmnlModelConfig,
        params=AmnlTrainingParams,
        fit=fits.fit_amnl,
        pyfunc=pyfuncs.AmnlPyfunc,
        variant=variant,
    )


def _amnl_plus(name: str, description: str) -> RankingModelSpec:
    variant = AMNL_PLUS_VARIANTS[name]
    return RankingModelSpec(
        name=name,
        description=description,
        config=configs.AmnlPlusAblationConfig if variant else configs.AmnlPlusModelConfig,
        params=AmnlPlusTrainingParams,
        fit=fits.fit_amnl_plus,
        pyfunc=pyfuncs.AmnlPlusPyfunc,
        variant=dict(variant),
        feature_deps=FEATURE_DEPS["amnl_plus"],
    )


def _dsempre(name: str, description: str, config: type[configs.DsempreModelConfig]):
    return RankingModelSpec(
        name=name,
        description=description,
        config=config,
        params=DSempreTrainingParams,
        fit=fits.fit_dsempre,
        pyfunc=pyfuncs.DSemprePyfunc,
        registered_protocol=DSEMPRE_PROTOCOL,
        feature_deps=FEATURE_DEPS["dsempre"],
    )


RANKING_MODEL_SPECS: tuple[RankingModelSpec, ...] = (
    _amnl_plus(
        "amnl_plus",
        "AMNL+ (paper 000 §II-B): textual attention over CLIP patch grids guided by each "
        "sentence, recurrent glimpse locations, social impact, hinge loss.",
    ),
    _amnl_plus("amnl_plus_i", "AMNL+_i (Table IV): average-pooled glimpses, no textual guidance."),
    _amnl_plus("amnl_plus_hfunc", "AMNL+_hfunc (Table IV): AMNL+ without the social impact h."),
    _amnl(
        "amnl",
        "AMNL (paper 000 §II-B): image and text embeddings fused linearly, user preference "
        "times followee social impact, hinge loss with margin 0.6, AdaGrad.",
    ),
    _amnl("amnl_i", "AMNL_i (Table IV): image only.", modalities=("image",)),
    _amnl("amnl_d", "AMNL_d (Table IV): text (description) only.", modalities=("text",)),
    _amnl(
        "amnl_hfunc", "AMNL_hfunc (Table IV): without the social impact h.", use_social_impact=False
    ),
    RankingModelSpec(
        name="vbpr",
        description="VBPR: BPR-MF plus visual factors from the CLIP image embedding.",
        config=configs.VbprModelConfig,
        params=VbprTrainingParams,
        fit=fits.fit_vbpr,
        pyfunc=pyfuncs.VbprPyfunc,
    ),
    RankingModelSpec(
        name="citing",
        description="CITING stand-in: user factors times mapped image and text embeddings.",
        config=configs.CitingModelConfig,
        params=CitingTrainingParams,
        fit=fits.fit_citing,
        pyfunc=pyfuncs.CitingPyfunc,
    ),
    RankingModelSpec(
        name="bpr",
        description="BPR-MF: collaborative baseline; tweets unseen in training score 0.",
        config=configs.BprModelConfig,
        params=BprTrainingParams,
        fit=fits.fit_bpr,
        pyfunc=pyfuncs.BprPyfunc,
    ),
    RankingModelSpec(
        name="popularity",
        description="Popularity: training retweet counts, the author's mean for new tweets.",
        config=configs.PopularityModelConfig,
        params=fits.PopularityParams,
        fit=fits.fit_popularity_ranking,
        pyfunc=pyfuncs.PopularityPyfunc,
        pool="duckdb",
    ),
    _dsempre(
        "dsempre",
        "D-Sempre (paper 003 §3): user (profile clusters) and post (image, text) branches in "
        "one L2-normalised space, triplet hinge + λ=0.3 semantic-preserving term.",
        configs.DsempreModelConfig,
    ),
    _dsempre(
        "dsempre_nosem",
        "D-Sempre without the semantic-preserving term (λ = 0).",
        configs.DsempreNosemModelConfig,
    ),
)
RANKING_MODELS = tuple(spec.name for spec in RANKING_MODEL_SPECS)
