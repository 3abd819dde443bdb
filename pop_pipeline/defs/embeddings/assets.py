"""Embeddings: the CLIP encoder (pretrained or trained in-domain) and every tweet's vectors."""

import dataclasses
import os
import time
from pathlib import Path

import dagster as dg
import mlflow
import pandas as pd

from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.progress import progress_logger
from pop_pipeline.defs.resources import ArtifactsResource, DuckDBResource, MlflowResource
from pop_pipeline.ml.clip.architectures import IN_DOMAIN_MODEL
from pop_pipeline.ml.clip.contrastive_training import ContrastiveTrainingConfig, train_contrastive
from pop_pipeline.ml.clip.encoding import encode_images, encode_texts
from pop_pipeline.ml.clip.factory import create_clip
from pop_pipeline.ranking.data.chronological_splits import train_cutoff
from pop_pipeline.registry.clip_package import load_clip, save_clip
from pop_pipeline.registry.publish import log_clip_encoder
from pop_pipeline.registry.run_tags import code_version, frame_fingerprint

EMBEDDINGS_GROUP = "embeddings"
CLIP_REGISTERED_NAME = "pop-clip"
CLIP_CURRENT_ALIAS = "current"


_TRAINING_DEFAULTS = ContrastiveTrainingConfig()


class ClipEncoderConfig(dg.Config):
    """In-domain CLIP training; ignored when ``POP_CLIP_PRETRAINED`` names weights.

    Defaults are :class:`ContrastiveTrainingConfig`'s (tuned for the ``demo`` world on CPU).
    """

    train_fraction: float = 0.8  # image–caption pairs posted up to this split's cutoff
    epochs: int = _TRAINING_DEFAULTS.epochs
    batch_size: int = _TRAINING_DEFAULTS.batch_size
    learning_rate: float = _TRAINING_DEFAULTS.learning_rate
    weight_decay: float = _TRAINING_DEFAULTS.weight_decay
    warmup_steps: int = _TRAINING_DEFAULTS.warmup_steps
    seed: int = _TRAINING_DEFAULTS.seed


@dg.asset(
    group_name=EMBEDDINGS_GROUP,
    kinds={"pytorch", "mlflow"},
    deps=["image_tweets", "retweet_splits"],
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def clip_encoder(
    context: dg.AssetExecutionContext,
    config: ClipEncoderConfig,
    duckdb: DuckDBResource,
    mlflow_tracking: MlflowResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """The open_clip model every tweet is encoded with.

    ``POP_CLIP_PRETRAINED`` (a tag, a checkpoint path or an ``s3://`` URI) loads those weights
    for ``POP_CLIP_MODEL``. Otherwise the in-domain CLIP (``pop-clip-tiny``, shipped as an
    open_clip JSON config) is trained contrastively on the training split's image–caption pairs,
    tracked in MLflow and registered as ``pop-clip``.
    """
    architecture = os.environ.get("POP_CLIP_MODEL") or IN_DOMAIN_MODEL
    pretrained = os.environ.get("POP_CLIP_PRETRAINED") or None
    store = duckdb.store()
    run_id, version, n_pairs = None, None, 0
    started = time.perf_counter()
    if pretrained:
        bundle = create_clip(architecture, pretrained)
        context.log.info(f"loaded {architecture} weights from {pretrained}")
    else:
        cutoff = train_cutoff(store, config.train_fraction)
        pairs = store.query(
            "SELECT tweet_id, media_uri, text FROM image_tweets WHERE created_at <= ? "
            "ORDER BY created_at, tweet_id",
            [cutoff.to_pydatetime()],
        )
        n_pairs = len(pairs)
        bundle = create_clip(architecture, None, seed=config.seed)
        training = dataclasses.replace(
            _TRAINING_DEFAULTS, **config.model_dump(exclude={"train_fraction"})
        )
        mlflow_tracking.configure()
        with mlflow.start_run(run_name="pop-clip") as run:
            run_id = run.info.run_id
            mlflow.set_tags(
                {
                    "pop.model": "clip",
                    "pop.code_version": code_version(),
                    "pop.data_version": frame_fingerprint(pairs),
                }
            )
            mlflow.log_params(
                {
                    **config.model_dump(),
                    "architecture": architecture,
                    "train_pairs": n_pairs,
                    "train_cutoff": str(cutoff),
                    "device": str(bundle.device),
                }
            )

            def on_epoch_end(epoch: int, stats: dict[str, float]) -> None:
                shown = ", ".join(f"{k} {v:.4g}" for k, v in stats.items() if k != "epoch")
                context.log.info(f"clip epoch {epoch}/{config.epochs}: {shown}")

            history = train_contrastive(
                bundle,
                list(pairs["media_uri"]),
                list(pairs["text"]),
                training,
                on_epoch_end=on_epoch_end,
            )
            _log_epoch_metrics(history)
            folder = artifacts.path("clip", bundle.identity().weights_sha256[:16])
            save_clip(bundle, folder)
            model_uri = log_clip_encoder(folder)
            registered = mlflow.register_model(model_uri, CLIP_REGISTERED_NAME)
            version = str(registered.version)
            mlflow.MlflowClient().set_registered_model_alias(
                CLIP_REGISTERED_NAME, CLIP_CURRENT_ALIAS, version
            )
    identity = bundle.identity()
    folder = artifacts.path("clip", identity.weights_sha256[:16])
    if not (folder / "clip.safetensors").exists():
        save_clip(bundle, folder)
    store.replace_table(
        "clip_encoder",
        pd.DataFrame(
            [
                {
                    "architecture": identity.architecture,
                    "pretrained": identity.pretrained,
                    "weights_sha256": identity.weights_sha256,
                    "package_dir": str(folder),
                    "mlflow_run_id": run_id,
                    "registered_version": version,
                    "train_pairs": n_pairs,
                    "train_fraction": None if pretrained else config.train_fraction,
                }
            ]
        ),
    )
    metadata: dict[str, object] = {
        "architecture": identity.architecture,
        "weights_sha256": identity.weights_sha256,
        "pretrained": pretrained or "trained in-domain",
        "train_pairs": n_pairs,
        "seconds": round(time.perf_counter() - started, 1),
        "device": str(bundle.device),
    }
    if run_id:
        metadata["mlflow_run_id"] = run_id
        metadata["model_uri"] = f"models:/{CLIP_REGISTERED_NAME}/{version}"
    return dg.MaterializeResult(metadata=metadata)


def _log_epoch_metrics(history: list[dict[str, float]]) -> None:
    """Per-epoch metrics in one batched call."""
    client = mlflow.MlflowClient()
    run = mlflow.active_run()
    assert run is not None
    now = int(time.time() * 1000)
    metrics = [
        mlflow.entities.Metric(key=f"train_{name}", value=float(value), timestamp=now, step=epoch)
        for epoch, stats in enumerate(history)
        for name, value in stats.items()
        if name != "epoch"
    ]
    for start in range(0, len(metrics), 900):
        client.log_batch(run.info.run_id, metrics=metrics[start : start + 900])


class TweetEmbeddingConfig(dg.Config):
    batch_size: int = 256  # images (and 2x texts) per forward pass


@dg.asset(
    group_name=EMBEDDINGS_GROUP,
    kinds={"pytorch", "duckdb"},
    deps=["clip_encoder", "image_tweets"],
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def tweet_embeddings(
    context: dg.AssetExecutionContext, config: TweetEmbeddingConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Unit-norm image, caption and context (caption + comments) embeddings of every image
    tweet, with the encoder's identity. Images that fail to decode are listed in
    ``tweet_embedding_failures`` with their reason, never silently skipped."""
    store = duckdb.store()
    encoder = store.table("clip_encoder").iloc[0]
    bundle = load_clip(Path(encoder["package_dir"]))
    tweets = store.query(
        "SELECT tweet_id, media_uri, text, context_text FROM image_tweets ORDER BY tweet_id"
    )
    started = time.perf_counter()
    images = encode_images(
        bundle,
        list(tweets["media_uri"]),
        batch_size=config.batch_size,
        progress=progress_logger(context, "images"),
    )
    captions = encode_texts(
        bundle,
        list(tweets["text"]),
        batch_size=config.batch_size * 2,
        progress=progress_logger(context, "captions"),
    )
    contexts = encode_texts(
        bundle,
        list(tweets["context_text"]),
        batch_size=config.batch_size * 2,
        progress=progress_logger(context, "contexts"),
    )
    seconds = time.perf_counter() - started
    ok = images.ok
    frame = pd.DataFrame(
        {
            "tweet_id": tweets["tweet_id"][ok].to_numpy(),
            "image_embedding": list(images.embeddings[ok]),
            "caption_embedding": list(captions[ok]),
            "context_embedding": list(contexts[ok]),
        }
    )
    frame["architecture"] = encoder["architecture"]
    frame["weights_sha256"] = encoder["weights_sha256"]
    store.replace_table(
        "tweet_embeddings",
        frame,
        vector_columns=["image_embedding", "caption_embedding", "context_embedding"],
    )
    failures = pd.DataFrame(
        [
            {
                "tweet_id": tweets["tweet_id"].iloc[i],
                "media_uri": tweets["media_uri"].iloc[i],
                "reason": reason,
            }
            for i, reason in images.failed
        ],
        columns=["tweet_id", "media_uri", "reason"],
    )
    store.replace_table("tweet_embedding_failures", failures)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "failed_images": len(failures),
            "dimension": int(images.embeddings.shape[1]),
            "seconds": round(seconds, 1),
            "tweets_per_second": round(len(tweets) / max(seconds, 1e-9), 1),
            "device": str(bundle.device),
            "weights_sha256": str(encoder["weights_sha256"]),
        }
    )
