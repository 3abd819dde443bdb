"""`raw_drop_sensor`: a new raw drop (a new ``manifest.json``) starts ingestion and retraining."""

import json
import os

import dagster as dg

from pop_pipeline.defs.resources import RawDataResource
from pop_pipeline.defs.schedules.schedules import ingest_and_retrain_job
from pop_pipeline.ingest.raw_drops import newest_unseen_drop
from pop_pipeline.runs.recovery import recover_before_run

RAW_DROP_TAG = "pop/raw_drop"


def watched_uri(raw_data: RawDataResource) -> str:
    """``POP_RAW_DROPS_URI`` (a folder or prefix of dated drops), else the raw resource's URI."""
    return os.environ.get("POP_RAW_DROPS_URI") or raw_data.uri


@dg.sensor(
    job=ingest_and_retrain_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches POP_RAW_DROPS_URI (else POP_RAW_URI) and its sub-folders for a new or "
    "re-written manifest.json; requests one `ingest_and_retrain` run on the newest new drop.",
)
def raw_drop_sensor(context: dg.SensorEvaluationContext, raw_data: RawDataResource):
    recover_before_run(context)
    root = watched_uri(raw_data)
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    newest, unseen = newest_unseen_drop(root, seen)
    if newest is None:
        return dg.SkipReason(f"no new manifest.json under {root} ({len(seen)} drops seen)")
    if len(unseen) > 1:
        context.log.info(
            f"{len(unseen)} new drops; drops are snapshots, ingesting only the newest: "
            f"{newest.uri} (skipped: {', '.join(drop.uri for drop in unseen[:-1])})"
        )
    context.update_cursor(json.dumps(sorted(seen | {drop.key for drop in unseen})))
    return dg.RunRequest(
        run_key=newest.key,
        run_config={"resources": {"raw_data": {"config": {"uri": newest.uri}}}},
        tags={RAW_DROP_TAG: newest.uri, "pop/raw_drop_version": newest.version},
    )
