"""Raw assets: one pass over a raw drop into DuckDB tables, quarantine and a file audit.

A drop commits whole or not at all: its tables are staged in the ``raw_staging`` schema, the
blocking raw checks run on the staged tables, and only when all pass do the staged tables replace
the visible ``raw_*`` tables, in one transaction. A drop that fails leaves the previous tables
exactly as they were.
"""

import time
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from pop_pipeline.defs.ingest.checks import RAW_CHECKS, RawCheck
from pop_pipeline.defs.progress import staged_progress_logger
from pop_pipeline.defs.quality import suite_check_result
from pop_pipeline.defs.resources import DuckDBResource, RawDataResource
from pop_pipeline.ingest.reader import RawBatch, read_raw_batch
from pop_pipeline.quality.failure_lines import failed_expectation_line
from pop_pipeline.quality.gx_validation import SuiteOutcome
from pop_pipeline.storage.staging import staging_schema

RAW_ENTITY_TABLES = ("users", "follows", "tweets", "retweets", "replies", "media")
RAW_GROUP = "raw"
RAW_STAGING_SCHEMA = "raw_staging"  # where a drop waits for its checks; emptied by every run

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


def _raw_frames(batch: RawBatch, source_uri: str) -> dict[str, pd.DataFrame]:
    """Every raw table of the drop, by table name, in the order of ``RAW_ASSET_NAMES``."""
    manifest = batch.manifest or {}
    collection = pd.DataFrame(
        [
            {
                "source_uri": source_uri,
                "collected_at": batch.collected_at,
                "collected_at_source": batch.collected_at_source,
                "format_version": manifest.get("format_version"),
                "generator": manifest.get("generator"),
                "preset": manifest.get("preset"),
                "seed": manifest.get("seed"),
            }
        ]
    )
    return {
        **{f"raw_{name}": batch.tables[name] for name in RAW_ENTITY_TABLES},
        "raw_quarantine": batch.quarantine,
        "raw_files": batch.files,
        "raw_collection": collection,
    }


def _stage_validate_publish(
    duckdb: DuckDBResource, frames: dict[str, pd.DataFrame]
) -> dict[RawCheck, SuiteOutcome]:
    """Stage ``frames``, run every raw check on them, publish them only if all pass.

    One connection (the store's file lock) is held throughout, so no other writer interleaves.
    """
    with staging_schema(duckdb.store(), RAW_STAGING_SCHEMA) as staged:
        for name, frame in frames.items():
            staged.write(name, frame)
        outcomes = {check: check.validate(staged) for check in RAW_CHECKS}
        if all(outcome.success for outcome in outcomes.values()):
            staged.publish(frames)
    return outcomes


def _not_committed_message(source_uri: str, outcomes: dict[RawCheck, SuiteOutcome]) -> str:
    lines = [
        f"The raw drop {source_uri} was NOT committed: its blocking checks failed, so the "
        "previous raw tables were kept exactly as they were (and nothing downstream runs).",
    ]
    for check, outcome in outcomes.items():
        for failed in outcome.failed:
            lines.append(f"  {check.name}: {failed_expectation_line(failed.summary())}")
    return "\n".join(lines)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name=RAW_GROUP, kinds={"duckdb"}, description=_DESCRIPTIONS[name])
        for name in RAW_ASSET_NAMES
    ],
    check_specs=[check.spec() for check in RAW_CHECKS],
    pool="duckdb",
)
def raw_tables(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, raw_data: RawDataResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Read the raw drop at ``raw_data.uri`` (or the newest drop under it) once, check it, and
    replace every raw table with it, or none if a blocking check fails.

    Re-materialising the same input gives identical tables: rows are sorted by key and nothing
    depends on the wall clock.
    """
    started = time.perf_counter()
    source = raw_data.source()
    context.log.info(f"reading the raw drop {source.uri}")
    batch = read_raw_batch(source, progress=staged_progress_logger(context, "ingest"))
    frames = _raw_frames(batch, source.uri)
    outcomes = _stage_validate_publish(duckdb, frames)
    committed = all(outcome.success for outcome in outcomes.values())
    check_results = [
        suite_check_result(
            outcome,
            asset_key=check.asset,
            check_name=check.name,
            extra_metadata={"committed": committed, "source_uri": source.uri},
        )
        for check, outcome in outcomes.items()
        if dg.AssetCheckKey(dg.AssetKey(check.asset), check.name)
        in context.selected_asset_check_keys
    ]
    if not committed:
        # The evaluations are recorded (run page, asset checks tab) before the step fails.
        yield from check_results
        raise dg.Failure(
            description=_not_committed_message(source.uri, outcomes),
            metadata={"source_uri": source.uri, "committed": False},
            allow_retries=False,
        )
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
    # after the materializations, so each evaluation targets the drop it checked
    yield from check_results
