"""What a failed Dagster run tells an operator: one alert, logged and optionally POSTed.

The run-failure sensor (:mod:`pop_pipeline.defs.schedules.failure_alerts`) builds a
:class:`FailureAlert` from the run and its step-failure events and hands it here; everything
else (the message, the JSON payload, delivery to a webhook) is plain code, tested without a
daemon.

Environment:

- ``POP_UI_URL``: the Dagster UI's base URL for the run link (default ``http://127.0.0.1:3000``,
  what ``pop ui`` serves);
- ``POP_FAILURE_WEBHOOK_URL``: when set, every alert is POSTed there as JSON (a ``text`` field
  for chat webhooks such as Slack's or Mattermost's, plus the structured fields).
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass

UI_URL_ENV = "POP_UI_URL"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
WEBHOOK_ENV = "POP_FAILURE_WEBHOOK_URL"
WEBHOOK_TIMEOUT_S = 5.0
# Dagster wraps a step's own exception in these; the operator needs the exception inside.
WRAPPER_ERRORS = frozenset({"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"})


@dataclass(frozen=True)
class StepFailure:
    step_key: str  # e.g. "amnl_model" (an asset's step) or "raw_tweets_check"
    error: str  # the first line of the step's error, e.g. "ValueError: no tweets"


@dataclass(frozen=True)
class FailureAlert:
    job_name: str
    run_id: str
    failed_steps: tuple[StepFailure, ...]  # empty when the run failed outside any step
    run_error: str  # the first line of the run's own failure message
    run_url: str  # the run's page in the Dagster UI

    def message(self) -> str:
        """A few lines for the log or a chat channel."""
        lines = [f"run {self.run_id} of job {self.job_name} FAILED: {self.run_url}"]
        lines += [f"  step {step.step_key}: {step.error}" for step in self.failed_steps]
        if not self.failed_steps:
            lines.append(f"  {self.run_error}")
        return "\n".join(lines)

    def payload(self) -> dict[str, object]:
        """The webhook's JSON body: ``text`` (the message) and every field."""
        return {"text": self.message(), **asdict(self)}


def first_line(text: str | None) -> str:
    """The first non-blank line of ``text``, stripped (``""`` for none)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def ui_base_url() -> str:
    """``POP_UI_URL`` without a trailing slash, else the local ``pop ui`` address."""
    return (os.environ.get(UI_URL_ENV) or DEFAULT_UI_URL).rstrip("/")


def run_url(run_id: str, base_url: str | None = None) -> str:
    return f"{(base_url or ui_base_url()).rstrip('/')}/runs/{run_id}"


def step_error_line(error) -> str:
    """The first line of a Dagster ``SerializableErrorInfo``, looking through Dagster's wrapper
    errors to the step's own exception (``ValueError: ...`` rather than "Error occurred while
    executing op ...")."""
    while error is not None and error.cls_name in WRAPPER_ERRORS and error.cause is not None:
        error = error.cause
    return first_line(error.message) if error is not None else "(no error recorded)"


def failure_alert(
    job_name: str,
    run_id: str,
    run_failure_message: str | None,
    step_failure_events: Iterable,
    base_url: str | None = None,
) -> FailureAlert:
    """The alert for one failed run from its run-failure message and ``STEP_FAILURE`` events
    (Dagster ``DagsterEvent``\\ s whose ``event_specific_data.error`` is the step's error)."""
    steps = tuple(
        StepFailure(
            step_key=event.step_key or "(unknown step)",
            error=step_error_line(getattr(event.event_specific_data, "error", None)),
        )
        for event in step_failure_events
    )
    return FailureAlert(
        job_name=job_name,
        run_id=run_id,
        failed_steps=steps,
        run_error=first_line(run_failure_message),
        run_url=run_url(run_id, base_url),
    )


def post_alert(
    alert: FailureAlert, webhook_url: str, timeout_s: float = WEBHOOK_TIMEOUT_S
) -> str | None:
    """POST ``alert.payload()`` as JSON to ``webhook_url``; return ``None`` when delivered (a 2xx
    answer), else why not (only http and https URLs are tried). Never raises: an alert that
    cannot be delivered must not turn into a second failure."""
    if not webhook_url.lower().startswith(("http://", "https://")):
        return "not an http(s) URL"
    try:
        request = urllib.request.Request(
            webhook_url,
            data=json.dumps(alert.payload()).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            status = reply.status
    except (OSError, ValueError, http.client.HTTPException) as error:  # URLError is an OSError
        return f"{type(error).__name__}: {error}"
    return None if 200 <= status < 300 else f"HTTP {status}"
