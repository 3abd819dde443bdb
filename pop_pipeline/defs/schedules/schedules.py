"""Jobs and the nightly retraining schedule."""

import dagster as dg

from pop_pipeline.runs.recovery import recover_before_run

RETRAINING_GROUPS = ("filtered", "embeddings", "triplets", "popularity", "models", "evaluation")

ingest_raw_job = dg.define_asset_job(
    "ingest_raw",
    selection=dg.AssetSelection.groups("raw"),
    description="Read the raw drop into DuckDB (with quarantine) and run the raw checks.",
)

ingest_and_retrain_job = dg.define_asset_job(
    "ingest_and_retrain",
    selection=dg.AssetSelection.groups("raw", *RETRAINING_GROUPS),
    description="A new raw drop: ingest it, then filtered datasets → embeddings → triplets → "
    "models → metrics, in one run (started by `raw_drop_sensor`).",
)

nightly_retraining_job = dg.define_asset_job(
    "nightly_retraining",
    selection=dg.AssetSelection.groups(*RETRAINING_GROUPS),
    description="Filtered datasets → embeddings → triplets and popularity targets/splits → models "
    "(ranking and regression) → metrics in one run; "
    "each blocking check stops everything downstream of it.",
)


@dg.schedule(
    name="nightly_retraining_schedule",
    job=nightly_retraining_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Retrain every model at 03:00 UTC (turn it on in the UI or with "
    "`dagster schedule start nightly_retraining_schedule`). Before each request, runs abandoned "
    "by a dead process are failed and their pool slots freed, so one crash never stops the "
    "nights after it.",
)
def nightly_retraining_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    recover_before_run(context)
    return dg.RunRequest()
