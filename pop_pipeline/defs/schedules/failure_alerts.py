"""`run_failure_alert_sensor`: every failed run is reported to the log and, when
``POP_FAILURE_WEBHOOK_URL`` is set, to that webhook (:mod:`pop_pipeline.operations.failure_alerts`).

It is on by default (``DefaultSensorStatus.RUNNING``): it launches nothing and only reports, so
an operator is told of a failed nightly run without first having to find a toggle. Like every
sensor it is evaluated by the Dagster daemon (``pop ui`` or the compose stack's daemon), and it
watches every run on the instance, including the in-process runs of ``pop run``.
"""

import os

import dagster as dg

from pop_pipeline.operations.failure_alerts import WEBHOOK_ENV, failure_alert, post_alert


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Reports every failed run (job, run id, failed steps with their error's first "
    "line, UI link from POP_UI_URL) to the log and, when POP_FAILURE_WEBHOOK_URL is set, as a "
    "JSON POST to that webhook.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    alert = failure_alert(
        job_name=run.job_name,
        run_id=run.run_id,
        run_failure_message=context.failure_event.message,
        step_failure_events=context.get_step_failure_events(),
    )
    context.log.error(alert.message())
    webhook_url = os.environ.get(WEBHOOK_ENV)
    if webhook_url:
        problem = post_alert(alert, webhook_url)
        if problem is not None:
            context.log.warning(f"failure alert for run {run.run_id} not delivered: {problem}")
