"""Blocking Great Expectations check on the tweet embeddings."""

import dagster as dg

from pop_pipeline.defs.quality import suite_check_result
from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.quality.gx_validation import gxe, validate_frame

NORM_TOLERANCE = 1e-3
VECTOR_COLUMNS = ("image_embedding", "caption_embedding", "context_embedding")


@dg.asset_check(asset="tweet_embeddings", blocking=True, additional_deps=["clip_encoder"])
def tweet_embeddings_are_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    """Every vector has the encoder's dimension, finite values and unit L2 norm; one row per
    tweet, all from the current encoder."""
    store = duckdb.store()
    per_vector = ", ".join(
        f"len({c}) AS {c}_dim, "
        f"list_bool_and(list_transform({c}::FLOAT[], lambda x: isfinite(x))) AS {c}_finite, "
        f"sqrt(list_sum(list_transform({c}::FLOAT[], lambda x: x * x))) AS {c}_norm"
        for c in VECTOR_COLUMNS
    )
    frame = store.query(f"SELECT tweet_id, weights_sha256, {per_vector} FROM tweet_embeddings")
    encoder = store.query("SELECT weights_sha256 FROM clip_encoder").iloc[0, 0]
    dimension = int(frame[f"{VECTOR_COLUMNS[0]}_dim"].iloc[0]) if len(frame) else 0
    expectations: list[gxe.Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="tweet_id"),
        gxe.ExpectColumnValuesToBeInSet(column="weights_sha256", value_set=[encoder]),
    ]
    for column in VECTOR_COLUMNS:
        expectations += [
            gxe.ExpectColumnValuesToBeBetween(
                column=f"{column}_dim", min_value=dimension, max_value=dimension
            ),
            gxe.ExpectColumnValuesToBeInSet(column=f"{column}_finite", value_set=[True]),
            gxe.ExpectColumnValuesToBeBetween(
                column=f"{column}_norm", min_value=1 - NORM_TOLERANCE, max_value=1 + NORM_TOLERANCE
            ),
        ]
    return suite_check_result(
        validate_frame(frame, "tweet_embeddings", expectations, id_column="tweet_id")
    )
