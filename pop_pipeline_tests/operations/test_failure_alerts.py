"""Failure alerts: the message's lines, the first line of an error, delivery to a webhook."""

from pop_pipeline.operations.failure_alerts import (
    FailureAlert,
    StepFailure,
    first_line,
    post_alert,
    run_url,
    ui_base_url,
)
from pop_pipeline_tests.operations.webhook_listener import webhook_listener
from pop_pipeline_tests.servers.ports import free_port

ONE_STEP = (StepFailure("amnl_model", "ValueError: no triplets"),)


def _alert(steps=ONE_STEP) -> FailureAlert:
    return FailureAlert(
        job_name="nightly_retraining",
        run_id="r-1",
        failed_steps=tuple(steps),
        run_error='Execution of run for "nightly_retraining" failed. Steps failed: [...]',
        run_url="http://ui.example/runs/r-1",
    )


def test_message_names_the_run_its_link_and_each_failed_step():
    alert = _alert(
        [StepFailure("amnl_model", "ValueError: no triplets"), StepFailure("dsn", "OSError: x")]
    )
    assert alert.message().splitlines() == [
        "run r-1 of job nightly_retraining FAILED: http://ui.example/runs/r-1",
        "  step amnl_model: ValueError: no triplets",
        "  step dsn: OSError: x",
    ]


def test_a_run_that_failed_outside_any_step_shows_the_run_error():
    assert _alert(steps=[]).message().splitlines()[1] == (
        '  Execution of run for "nightly_retraining" failed. Steps failed: [...]'
    )


def test_first_line_skips_blank_lines():
    assert first_line("\n  \n  KeyError: 'x'  \nTraceback") == "KeyError: 'x'"
    assert first_line(None) == ""


def test_ui_link_uses_pop_ui_url(monkeypatch):
    monkeypatch.delenv("POP_UI_URL", raising=False)
    assert run_url("abc") == "http://127.0.0.1:3000/runs/abc"
    monkeypatch.setenv("POP_UI_URL", "https://dagster.example.org/")
    assert ui_base_url() == "https://dagster.example.org"
    assert run_url("abc") == "https://dagster.example.org/runs/abc"


def test_post_delivers_the_json_payload():
    alert = _alert()
    with webhook_listener() as listener:
        assert post_alert(alert, listener.url) is None
    (received,) = listener.received
    assert received["path"] == "/hook"
    assert received["content_type"] == "application/json"
    assert received["body"]["text"] == alert.message()
    assert received["body"]["run_id"] == "r-1"
    assert received["body"]["failed_steps"] == [
        {"step_key": "amnl_model", "error": "ValueError: no triplets"}
    ]


def test_post_reports_an_error_reply_without_raising():
    with webhook_listener(status=500) as listener:
        problem = post_alert(_alert(), listener.url)
    assert problem is not None and "500" in problem


def test_post_reports_an_unreachable_webhook_without_raising():
    problem = post_alert(_alert(), f"http://127.0.0.1:{free_port()}/hook", timeout_s=2)
    assert problem is not None and "Connection refused" in problem
    assert post_alert(_alert(), "not a url") == "not an http(s) URL"
    assert post_alert(_alert(), "file:///etc/passwd") == "not an http(s) URL"
