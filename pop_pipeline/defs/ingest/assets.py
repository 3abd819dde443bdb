"""Raw assets: one pass over a raw drop into DuckDB tables, quarantine and a file audit."""

import time

import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource, RawDataResource
from pop_pipeline.ingest.reader import read_raw_batch

RAW_ENTITY_TABLES = ("users", "follows", "tweets", "retweets", "replies", "media")
RAW_GROUP = "raw"

_DESCRIPTIONS = {
    "raw_users": "API v2 user objects: profile text, creation time and public counts.",
    "raw_follows": "Directed follow edges (source follows target).",
    "raw_tweets": "Original tweets with media keys, hashtags, categories and public counts.",
    "raw_retweets": "Retweet actions: who retweeted which original tweet, and when.",
    "raw_replies": "Comments (replies) on original tweets.",
    "raw_media": "Photos, each opened once: true size, bytes and sha256 of the decoded file.",
    "raw_quarantine": "Every record or image that could not be used, with source, line, "
    "reason code and raw text. Nothing is dropped without a row here.",
    "raw_files": "Audit of every file of the drop against the manifest's sha256.",
    "raw_collection": "One row: the drop's URI, collection time and manifest summary.",
}

RAW_ASSET_NAMES = (
    *(f"raw_{name}" for name in RAW_ENTITY_TABLES),
    "raw_quarantine",
    "raw_files",
    "raw_collection",
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name=RAW_GROUP, kinds={"duckdb"}, description=_DESCRIPTIONS[name])
        for name in RAW_ASSET_NAMES
    ],
    pool="duckdb",
)
def raw_tables(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, raw_data: RawDataResource
):
    """Read the raw drop at ``raw_data.uri`` (or the newest drop under it) once and replace
    every raw table.

    Re-materialising the same input gives identical tables: rows are sorted by key and nothing
    depends on the wall clock.
    """
    started = time.perf_counter()
    last_logged: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        step = max(total // 10, 1)
        if done == total or done - last_logged.get(stage, 0) >= step:
            last_logged[stage] = done
            context.log.info(f"ingest {stage}: {done}/{total}")

    source = raw_data.source()
    context.log.info(f"reading the raw drop {source.uri}")
    batch = read_raw_batch(source, progress=progress)
    store = duckdb.store()
    for name in RAW_ENTITY_TABLES:
        store.replace_table(f"raw_{name}", batch.tables[name])
    store.replace_table("raw_quarantine", batch.quarantine)
    store.replace_table("raw_files", batch.files)
    manifest = batch.manifest or {}
    collection = pd.DataFrame(
        [
            {
                "source_uri": source.uri,
                "collected_at": batch.collected_at,
                "collected_at_source": batch.collected_at_source,
                "format_version": manifest.get("format_version"),
                "generator": manifest.get("generator"),
                "preset": manifest.get("preset"),
                "seed": manifest.get("seed"),
            }
        ]
    )
    store.replace_table("raw_collection", collection)
    seconds = time.perf_counter() - started
    reasons = batch.quarantine["reason"].value_counts().to_dict()
    file_status = batch.files["status"].value_counts().to_dict()
    for name in RAW_ENTITY_TABLES:
        frame = batch.tables[name]
        yield dg.MaterializeResult(
            asset_key=f"raw_{name}",
            metadata={
                "dagster/row_count": len(frame),
                "quarantined": int((batch.quarantine["entity"] == name).sum()),
            },
        )
    yield dg.MaterializeResult(
        asset_key="raw_quarantine",
        metadata={
            "dagster/row_count": len(batch.quarantine),
            "by_reason": dg.MetadataValue.json({k: int(v) for k, v in reasons.items()}),
        },
    )
    yield dg.MaterializeResult(
        asset_key="raw_files",
        metadata={
            "dagster/row_count": len(batch.files),
            "by_status": dg.MetadataValue.json({k: int(v) for k, v in file_status.items()}),
        },
    )
    yield dg.MaterializeResult(
        asset_key="raw_collection",
        metadata={
            "source_uri": source.uri,
            "collected_at": batch.collected_at.isoformat(),
            "merged_duplicates": batch.stats.get("merged_duplicates", 0),
            "seconds": round(seconds, 2),
        },
    )
