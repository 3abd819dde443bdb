"""AMNL+'s per-tweet tensors: the CLIP image tower's patch grid and per-sentence text features.

Paper 000 §II-B reads a convolutional grid ``x_i`` per image and one vector per sentence
``y_ij`` of the caption and comments (§III-A-3: four sentences of twelve words). They are too
bulky for DuckDB rows (64 patches × 128 floats per tweet), so they are written as safetensors
shards under the artifacts folder (:mod:`pop_pipeline.ml.clip.feature_files`) and DuckDB keeps
the index ``(tweet_id, shard_path, row)`` plus the encoder's identity.
"""

import time
from pathlib import Path

import dagster as dg
import pandas as pd

from pop_pipeline.defs.embeddings.assets import EMBEDDINGS_GROUP
from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.progress import progress_logger
from pop_pipeline.defs.resources import ArtifactsResource, DuckDBResource
from pop_pipeline.ml.clip.feature_files import write_feature_shards
from pop_pipeline.ml.clip.patch_features import encode_image_patches
from pop_pipeline.ml.clip.sentence_features import encode_tweet_sentences
from pop_pipeline.registry.clip_package import load_clip
from pop_pipeline.storage.embedding_tables import PATCH_INDEX_TABLE, SENTENCE_INDEX_TABLE


class FeatureShardConfig(dg.Config):
    batch_size: int = 256  # images (or 2x sentences) per forward pass
    rows_per_shard: int = 1024  # tweets per safetensors file


def _folder_bytes(folder: Path, prefix: str) -> int:
    return sum(path.stat().st_size for path in folder.glob(f"{prefix}-*.safetensors"))


def _encoder(duckdb: DuckDBResource) -> pd.Series:
    return duckdb.store().table("clip_encoder").iloc[0]


@dg.asset(
    group_name=EMBEDDINGS_GROUP,
    kinds={"pytorch", "duckdb"},
    deps=["clip_encoder", "tweet_embeddings"],
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def tweet_patch_features(
    context: dg.AssetExecutionContext,
    config: FeatureShardConfig,
    duckdb: DuckDBResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """The patch grid ``x_i`` (unit tokens, ``patches`` [N, 64, d]) and pooled embedding ``f_i``
    (``pooled`` [N, d]) of every tweet that has embeddings, in safetensors shards indexed by
    ``tweet_patch_features``. Images that fail to decode are left out and counted."""
    store = duckdb.store()
    encoder = _encoder(duckdb)
    bundle = load_clip(Path(encoder["package_dir"]))
    tweets = store.query(
        "SELECT t.tweet_id, t.media_uri FROM image_tweets t JOIN tweet_embeddings e "
        "USING (tweet_id) ORDER BY t.tweet_id"
    )
    started = time.perf_counter()
    encoded = encode_image_patches(
        bundle,
        list(tweets["media_uri"]),
        batch_size=config.batch_size,
        progress=progress_logger(context, "patch grids"),
    )
    seconds = time.perf_counter() - started
    ok = encoded.ok
    folder = artifacts.path("features", str(encoder["weights_sha256"])[:16], "patches")
    index = write_feature_shards(
        folder,
        list(tweets["tweet_id"][ok]),
        {"patches": encoded.patches[ok], "pooled": encoded.pooled[ok]},
        rows_per_shard=config.rows_per_shard,
        prefix="patches",
        metadata={"weights_sha256": str(encoder["weights_sha256"])},
    )
    index = index.assign(
        grid_height=encoded.grid[0],
        grid_width=encoded.grid[1],
        weights_sha256=str(encoder["weights_sha256"]),
    )
    store.replace_table(PATCH_INDEX_TABLE, index)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(index),
            "failed_images": len(encoded.failed),
            "grid": f"{encoded.grid[0]}x{encoded.grid[1]}",
            "dimension": int(encoded.patches.shape[2]),
            "shards": int(index["shard_path"].nunique()),
            "bytes": _folder_bytes(folder, "patches"),
            "folder": str(folder),
            "seconds": round(seconds, 1),
            "tweets_per_second": round(len(tweets) / max(seconds, 1e-9), 1),
            "device": str(bundle.device),
        }
    )


@dg.asset(
    group_name=EMBEDDINGS_GROUP,
    kinds={"pytorch", "duckdb"},
    deps=["clip_encoder", "tweet_embeddings"],
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def tweet_sentence_features(
    context: dg.AssetExecutionContext,
    config: FeatureShardConfig,
    duckdb: DuckDBResource,
    artifacts: ArtifactsResource,
) -> dg.MaterializeResult:
    """The sentence features ``y_ij`` of every tweet that has embeddings: four slots of at most
    twelve words from the caption then the comments, padded by repeating the last, each a unit
    CLIP text vector (``sentences`` [N, 4, d], ``sentence_counts`` [N]), in safetensors shards
    indexed by ``tweet_sentence_features``."""
    store = duckdb.store()
    encoder = _encoder(duckdb)
    bundle = load_clip(Path(encoder["package_dir"]))
    tweets = store.query(
        "SELECT t.tweet_id, t.text, t.comments FROM image_tweets t JOIN tweet_embeddings e "
        "USING (tweet_id) ORDER BY t.tweet_id"
    )
    started = time.perf_counter()
    encoded = encode_tweet_sentences(
        bundle,
        list(tweets["text"]),
        [list(comments) if comments is not None else [] for comments in tweets["comments"]],
        batch_size=config.batch_size * 2,
        progress=progress_logger(context, "sentences"),
    )
    seconds = time.perf_counter() - started
    folder = artifacts.path("features", str(encoder["weights_sha256"])[:16], "sentences")
    index = write_feature_shards(
        folder,
        list(tweets["tweet_id"]),
        {"sentences": encoded.features, "sentence_counts": encoded.counts},
        rows_per_shard=config.rows_per_shard,
        prefix="sentences",
        metadata={"weights_sha256": str(encoder["weights_sha256"])},
    ).assign(weights_sha256=str(encoder["weights_sha256"]))
    store.replace_table(SENTENCE_INDEX_TABLE, index)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(index),
            "slots": int(encoded.features.shape[1]),
            "dimension": int(encoded.features.shape[2]),
            "tweets_without_sentences": int((encoded.counts == 0).sum()),
            "mean_sentences": round(float(encoded.counts.mean()) if len(index) else 0.0, 2),
            "shards": int(index["shard_path"].nunique()),
            "bytes": _folder_bytes(folder, "sentences"),
            "folder": str(folder),
            "seconds": round(seconds, 1),
            "device": str(bundle.device),
        }
    )
