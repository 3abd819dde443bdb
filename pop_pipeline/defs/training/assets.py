"""Trained retweet-ranking models: AMNL and its baselines, each one MLflow run and version."""

import dataclasses
import shutil
import time

import dagster as dg

from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.resources import ArtifactsResource, DuckDBResource, MlflowResource
from pop_pipeline.defs.training.publishing import MODELS_GROUP, finish_ranking_model
from pop_pipeline.ml.clip.factory import resolve_device
from pop_pipeline.registry.model_packages import save_popularity
from pop_pipeline.registry.pyfunc_models import AmnlPyfunc, BprPyfunc, PopularityPyfunc
from pop_pipeline.training.ranking_data import load_ranking_data
from pop_pipeline.training.trainers import (
    AmnlTrainingParams,
    BprTrainingParams,
    fit_popularity,
    train_amnl,
    train_bpr,
)

RANKING_DEPS = ["followee_negative_triplets", "ranking_test_candidates", "tweet_embeddings"]


def _epoch_logger(context: dg.AssetExecutionContext, name: str, epochs: int):
    def log(epoch: int, loss: float) -> None:
        context.log.info(f"{name} epoch {epoch + 1}/{epochs}: loss {loss:.4f}")

    return log


_AMNL = AmnlTrainingParams()
_BPR = BprTrainingParams()


class AmnlModelConfig(dg.Config):
    """AMNL (paper 000 §II-B, linear fusion); defaults are :class:`AmnlTrainingParams`'s, the
    paper's values where it gives them."""

    train_fraction: float = 0.8
    preference_dim: int = _AMNL.preference_dim
    attention_dim: int = _AMNL.attention_dim
    margin: float = _AMNL.margin
    epochs: int = _AMNL.epochs
    batch_size: int = _AMNL.batch_size
    learning_rate: float = _AMNL.learning_rate
    weight_decay: float = _AMNL.weight_decay
    seed: int = _AMNL.seed


@dg.asset(
    group_name=MODELS_GROUP,
    kinds={"pytorch", "mlflow"},
    deps=RANKING_DEPS,
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def amnl_model(
    context: dg.AssetExecutionContext,
    config: AmnlModelConfig,
    duckdb: DuckDBResource,
    mlflow_tracking: MlflowResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """AMNL: image and text embeddings fused linearly, user preference times followee social
    impact, hinge loss with margin 0.6, AdaGrad. Registered as ``pop-amnl`` with its CLIP."""
    started = time.perf_counter()
    store = duckdb.store()
    data = load_ranking_data(store, config.train_fraction)
    params = AmnlTrainingParams(**config.model_dump(exclude={"train_fraction"}))
    encoder_dir = store.query("SELECT package_dir FROM clip_encoder").iloc[0, 0]
    package, losses = train_amnl(
        data, params, resolve_device(), _epoch_logger(context, "amnl", params.epochs)
    )
    scores = package.score(
        data.test["user_id"], data.image[data.test["row"]], data.text[data.test["row"]]
    )
    folder = artifacts.path("models", "amnl", f"{config.train_fraction:.2f}")
    package.save(folder)
    shutil.copytree(encoder_dir, folder / "clip", dirs_exist_ok=True)  # the pyfunc bundles it
    mlflow_tracking.configure()
    return finish_ranking_model(
        context,
        store=store,
        model_name="amnl",
        data=data,
        test_scores=scores,
        python_model=AmnlPyfunc(),
        package_dir=folder,
        params=dataclasses.asdict(params),
        epoch_losses=losses,
        started=started,
    )


class BprModelConfig(dg.Config):
    """BPR matrix factorisation (Rendle et al. 2009) on the same triplets."""

    train_fraction: float = 0.8
    embedding_dim: int = _BPR.embedding_dim
    reg: float = _BPR.reg
    epochs: int = _BPR.epochs
    batch_size: int = _BPR.batch_size
    learning_rate: float = _BPR.learning_rate
    seed: int = _BPR.seed


@dg.asset(
    group_name=MODELS_GROUP,
    kinds={"pytorch", "mlflow"},
    deps=RANKING_DEPS,
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def bpr_model(
    context: dg.AssetExecutionContext,
    config: BprModelConfig,
    duckdb: DuckDBResource,
    mlflow_tracking: MlflowResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """BPR-MF: collaborative baseline; tweets unseen in training score 0."""
    started = time.perf_counter()
    store = duckdb.store()
    data = load_ranking_data(store, config.train_fraction)
    params = BprTrainingParams(**config.model_dump(exclude={"train_fraction"}))
    package, losses = train_bpr(
        data, params, resolve_device(), _epoch_logger(context, "bpr", params.epochs)
    )
    scores = package.score(data.test["user_id"], data.test["tweet_id"])
    folder = artifacts.path("models", "bpr", f"{config.train_fraction:.2f}")
    package.save(folder)
    mlflow_tracking.configure()
    return finish_ranking_model(
        context,
        store=store,
        model_name="bpr",
        data=data,
        test_scores=scores,
        python_model=BprPyfunc(),
        package_dir=folder,
        params=dataclasses.asdict(params),
        epoch_losses=losses,
        started=started,
    )


class PopularityModelConfig(dg.Config):
    train_fraction: float = 0.8


@dg.asset(group_name=MODELS_GROUP, kinds={"pandas", "mlflow"}, deps=RANKING_DEPS, pool="duckdb")
def popularity_model(
    context: dg.AssetExecutionContext,
    config: PopularityModelConfig,
    duckdb: DuckDBResource,
    mlflow_tracking: MlflowResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """Popularity: training retweet counts, the author's mean for tweets not yet retweeted."""
    started = time.perf_counter()
    store = duckdb.store()
    data = load_ranking_data(store, config.train_fraction)
    ranker = fit_popularity(data)
    scores = ranker.score(data.test["tweet_id"], data.test["author_id"])
    folder = artifacts.path("models", "popularity", f"{config.train_fraction:.2f}")
    save_popularity(ranker, folder)
    mlflow_tracking.configure()
    return finish_ranking_model(
        context,
        store=store,
        model_name="popularity",
        data=data,
        test_scores=scores,
        python_model=PopularityPyfunc(),
        package_dir=folder,
        params={},
        epoch_losses=[],
        started=started,
    )
