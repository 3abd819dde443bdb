"""D-Sempre's user texts: the phrases of every profile through the CLIP text tower.

Paper 003 §3.1.2 turns a user's profile (description and location) and their followees'
profiles into a bag of semantic clusters. Here each profile is split into phrases
(:func:`~pop_pipeline.ml.features.semantic_clusters.profile_phrases`: "hiking, jazz | Lisbon"
gives three) and every distinct phrase is encoded once with the ``clip_encoder``'s text tower;
the D-Sempre trainer clusters them. Small enough for DuckDB rows (a few phrases per user).
"""

import time
from pathlib import Path

import dagster as dg
import pandas as pd

from pop_pipeline.defs.embeddings.assets import EMBEDDINGS_GROUP
from pop_pipeline.defs.gpu import GPU_OP_TAGS
from pop_pipeline.defs.progress import progress_logger
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.ml.clip.encoding import encode_texts
from pop_pipeline.ml.features.semantic_clusters import profile_phrases
from pop_pipeline.registry.clip_package import load_clip
from pop_pipeline.storage.embedding_tables import PROFILE_TABLE


class ProfileEmbeddingConfig(dg.Config):
    batch_size: int = 512  # phrases per forward pass


@dg.asset(
    group_name=EMBEDDINGS_GROUP,
    kinds={"pytorch", "duckdb"},
    deps=["clip_encoder", "raw_users"],
    pool="gpu",
    op_tags=GPU_OP_TAGS,
)
def user_profile_embeddings(
    context: dg.AssetExecutionContext, config: ProfileEmbeddingConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """One row per (user, profile phrase) with the phrase's unit CLIP text embedding; users
    with an empty profile have no row (their bag comes from their followees alone)."""
    store = duckdb.store()
    encoder = store.table("clip_encoder").iloc[0]
    bundle = load_clip(Path(encoder["package_dir"]))
    users = store.query("SELECT user_id, description, location FROM raw_users ORDER BY user_id")
    rows = [
        (user, position, phrase)
        for user, description, location in users.itertuples(index=False)
        for position, phrase in enumerate(profile_phrases(description, location))
    ]
    phrases = pd.DataFrame(rows, columns=["user_id", "position", "phrase"])
    distinct = sorted(set(phrases["phrase"]))
    started = time.perf_counter()
    vectors = encode_texts(
        bundle,
        distinct,
        batch_size=config.batch_size,
        progress=progress_logger(context, "profile phrases"),
    )
    seconds = time.perf_counter() - started
    row_of = {phrase: row for row, phrase in enumerate(distinct)}
    phrases["embedding"] = list(vectors[phrases["phrase"].map(row_of).to_numpy(int)])
    phrases["weights_sha256"] = str(encoder["weights_sha256"])
    store.replace_table(PROFILE_TABLE, phrases, vector_columns=["embedding"])
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(phrases),
            "users_with_phrases": int(phrases["user_id"].nunique()),
            "users_without_profile": int(len(users) - phrases["user_id"].nunique()),
            "distinct_phrases": len(distinct),
            "seconds": round(seconds, 1),
            "device": str(bundle.device),
        }
    )
