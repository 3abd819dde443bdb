"""`run_failure_alert_sensor` on a real failed run: the log line and the webhook's JSON."""

import logging

import dagster as dg
import pytest

from pop_pipeline.defs.schedules.failure_alerts import run_failure_alert_sensor
from pop_pipeline_tests.operations.webhook_listener import webhook_listener


@dg.asset
def upstream_fine() -> int:
    return 1


@dg.asset(deps=[upstream_fine])
def broken_asset() -> None:
    raise ValueError("no tweets in the drop\nsecond line of the error")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failed_run():
    """A run that materialized ``upstream_fine`` and failed in ``broken_asset``, and its
    instance (kept open for the sensor's context)."""
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [upstream_fine, broken_asset], instance=instance, raise_on_error=False
        )
        assert not result.success
        yield instance, result


def _evaluate(instance, result) -> list[logging.LogRecord]:
    context = dg.build_run_status_sensor_context(
        sensor_name=run_failure_alert_sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    records = _Records()
    context.log.addHandler(records)
    try:
        run_failure_alert_sensor(context)
    finally:
        context.log.removeHandler(records)
    return records.records


def test_sensor_logs_job_run_step_error_and_link(failed_run, monkeypatch):
    instance, result = failed_run
    monkeypatch.setenv("POP_UI_URL", "https://ui.example")
    monkeypatch.delenv("POP_FAILURE_WEBHOOK_URL", raising=False)
    (record,) = _evaluate(instance, result)
    assert record.levelno == logging.ERROR
    run_id = result.run_id
    assert record.getMessage().splitlines() == [
        f"run {run_id} of job {result.dagster_run.job_name} FAILED: "
        f"https://ui.example/runs/{run_id}",
        "  step broken_asset: ValueError: no tweets in the drop",
    ]


def test_sensor_posts_the_alert_to_the_webhook(failed_run, monkeypatch):
    instance, result = failed_run
    monkeypatch.delenv("POP_UI_URL", raising=False)
    with webhook_listener() as listener:
        monkeypatch.setenv("POP_FAILURE_WEBHOOK_URL", listener.url)
        records = _evaluate(instance, result)
    assert [record.levelno for record in records] == [logging.ERROR]  # no delivery warning
    (received,) = listener.received
    body = received["body"]
    assert body["job_name"] == result.dagster_run.job_name
    assert body["run_id"] == result.run_id
    assert body["failed_steps"] == [
        {"step_key": "broken_asset", "error": "ValueError: no tweets in the drop"}
    ]
    assert body["run_url"] == f"http://127.0.0.1:3000/runs/{result.run_id}"
    assert body["run_error"].startswith("Execution of run for")
    assert body["text"] == records[0].getMessage()


def test_undeliverable_webhook_is_a_warning_not_an_error(failed_run, monkeypatch):
    instance, result = failed_run
    with webhook_listener(status=503) as listener:
        monkeypatch.setenv("POP_FAILURE_WEBHOOK_URL", listener.url)
        records = _evaluate(instance, result)
    assert [record.levelno for record in records] == [logging.ERROR, logging.WARNING]
    assert "not delivered" in records[1].getMessage() and "503" in records[1].getMessage()


def test_code_location_has_the_sensor_on_by_default():
    from pop_pipeline.definitions import defs

    sensor = defs().resolve_sensor_def("run_failure_alert_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert not sensor.has_jobs  # it launches nothing, it only reports
