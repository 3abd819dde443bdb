"""``pop predict``: fetch a registered model from MLflow and score raw tweets.

A ranking model scores every tweet for each of ``--users``: ``{"user_id", "tweet_id",
"score"}`` per line. A regression model (its pyfunc is a
:class:`~pop_pipeline.regression.pyfunc.RegressionPyfunc`; its run and version carry
``pop.task=regression``) predicts each tweet's popularity target as of ``--observed-at``
(default: now, UTC): ``{"tweet_id", "prediction", "target", "model"}`` per line.

Standard error reports, one line each: input lines and tweets that cannot be used
(``input.jsonl line 3 (tweet 10): media_missing: ...``), users the ranking model does not know
(scored as its cold user), and tweets whose hours elapsed lie far outside the regression
model's training range. A mistake in the call (an unknown model, a missing or unreadable input
file, an invalid ``--users`` or ``--observed-at``) raises
:class:`~pop_pipeline.usage_error.UsageError`.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from pop_pipeline.operations.home_relocation import adopt_home
from pop_pipeline.ranking.model_input import ranking_input_frame
from pop_pipeline.scoring.model_reference import load_model, registered_name
from pop_pipeline.scoring.prediction_input import (
    PredictionInput,
    read_prediction_input,
    skipped_line,
)
from pop_pipeline.settings import get_settings
from pop_pipeline.usage_error import UsageError

USER_ID = re.compile(r"[0-9]+")


def parse_user_ids(users: str | None) -> list[str]:
    """The distinct ids of a comma-separated ``--users`` (empty: none), in order.

    Raises:
        UsageError: an id that is not a string of digits.
    """
    ids = [user.strip() for user in (users or "").split(",") if user.strip()]
    for user in ids:
        if not USER_ID.fullmatch(user):
            raise UsageError(
                f"--users: {user!r} is not a user id (ids are strings of digits, e.g. 12,34)"
            )
    return list(dict.fromkeys(ids))


def parse_observed_at_option(observed_at: str | None) -> datetime:
    """``--observed-at`` as an aware UTC datetime (empty: now).

    Raises:
        UsageError: not an ISO 8601 time.
    """
    from pop_pipeline.regression.model_input import parse_observed_at

    try:
        return parse_observed_at(observed_at)
    except ValueError as error:
        raise UsageError(f"--observed-at: {error}") from None


def _check_output(output: Path | None) -> None:
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"--output {output} is a directory")
    if not output.parent.is_dir():
        raise UsageError(f"--output {output}: folder {output.parent} does not exist")


def predict_file(
    *,
    model: str,
    input_path: Path,
    users: str | None,
    output: Path | None,
    observed_at: str | None = None,
) -> int:
    """Score ``input_path`` with ``model``; 0 when something was written, 1 when nothing could
    be scored.

    Raises:
        UsageError: the call's mistake (see the module docstring).
    """
    adopt_home(get_settings().home)  # a moved home: its MLflow store names the new place
    tracking_uri = get_settings().mlflow_tracking_uri
    mlflow.set_tracking_uri(tracking_uri)
    user_ids = parse_user_ids(users)
    moment = parse_observed_at_option(observed_at)
    _check_output(output)
    parsed = read_prediction_input(input_path)
    for row in parsed.quarantine.itertuples():
        print(f"skipped {skipped_line(row)}", file=sys.stderr)
    if parsed.tweets.empty:
        print(f"no scorable tweet in {input_path}", file=sys.stderr)
        return 1
    loaded = load_model(model, tracking_uri)
    from pop_pipeline.regression.pyfunc import RegressionPyfunc

    python_model = _python_model(loaded)
    if isinstance(python_model, RegressionPyfunc):
        if user_ids:
            print(f"--users is ignored: {model} is a regression model", file=sys.stderr)
        return _predict_regression(loaded, python_model, model, parsed, output, moment)
    if observed_at:
        print(f"--observed-at is ignored: {model} is a ranking model", file=sys.stderr)
    if not user_ids:
        raise UsageError("--users names no user id (ranking models score tweets for users)")
    return _predict_ranking(loaded, model, parsed, user_ids, output)


def _python_model(loaded: mlflow.pyfunc.PyFuncModel) -> object:
    try:
        return loaded.unwrap_python_model()
    except mlflow.exceptions.MlflowException:  # not a python_function model of ours
        return None


def _predict_ranking(
    loaded: mlflow.pyfunc.PyFuncModel,
    model: str,
    parsed: PredictionInput,
    user_ids: list[str],
    output: Path | None,
) -> int:
    frame = ranking_input_frame(
        pd.concat([parsed.tweets.assign(user_id=user) for user in user_ids], ignore_index=True)
    )
    scored = pd.DataFrame(loaded.predict(frame)).reset_index(drop=True)
    # ranking pyfuncs of pop_pipeline give reason/message/user_known (ranking_output); any
    # other pyfunc at least a score per row
    reasons = scored["reason"] if "reason" in scored else pd.Series("", index=scored.index)
    if "user_known" in scored:
        unknown = frame["user_id"][~scored["user_known"].astype(bool)].unique()
        for user in unknown:
            print(
                f"user {user} is unknown to {registered_name(model)}: "
                "scored as the cold/unknown user",
                file=sys.stderr,
            )
    kept = (reasons == "").to_numpy()
    reported: set[str] = set()
    for position in np.flatnonzero(~kept):  # a photo fails for every user: once per tweet
        tweet_id = frame["tweet_id"].iloc[position]
        if tweet_id not in reported:
            reported.add(tweet_id)
            row = scored.iloc[position]
            print(
                f"skipped {parsed.where(tweet_id)}: {row['reason']}: {row['message']}",
                file=sys.stderr,
            )
    lines = [
        json.dumps({"user_id": u, "tweet_id": t, "score": float(s)})
        for u, t, s in zip(
            frame["user_id"][kept], frame["tweet_id"][kept], scored["score"][kept], strict=True
        )
    ]
    if not lines:
        print(f"no tweet of {len(parsed.tweets)} could be scored", file=sys.stderr)
        return 1
    _write(lines, output)
    return 0


def _predict_regression(
    loaded: mlflow.pyfunc.PyFuncModel,
    python_model: object,
    model: str,
    parsed: PredictionInput,
    output: Path | None,
    moment: datetime,
) -> int:
    from pop_pipeline.regression.model_input import OBSERVED_AT_PARAM, regression_input_frame
    from pop_pipeline.scoring.observation_range import far_outside, range_warning

    package = python_model.package  # type: ignore[attr-defined]
    frame = regression_input_frame(parsed.tweets)
    predicted = loaded.predict(frame, params={OBSERVED_AT_PARAM: moment.isoformat()})
    training = getattr(package, "training_hours_elapsed", None)  # None: an older package
    if training is not None:
        scored = frame[(predicted["reason"] == "").to_numpy()]
        outside = far_outside(scored, moment, training)
        if len(outside):
            print(range_warning(registered_name(model), moment, outside, training), file=sys.stderr)
    lines = []
    for row in predicted.itertuples():
        if row.reason:
            print(
                f"skipped {parsed.where(row.tweet_id)}: {row.reason}: {row.message}",
                file=sys.stderr,
            )
            continue
        record = {
            "tweet_id": row.tweet_id,
            "prediction": float(row.prediction),
            "target": package.target,
            "model": model,
        }
        lines.append(json.dumps(record))
    if not lines:
        print(f"no tweet of {len(frame)} could be scored", file=sys.stderr)
        return 1
    _write(lines, output)
    return 0


def _write(lines: list[str], output: Path | None) -> None:
    text = "\n".join(lines) + "\n"
    if output:
        output.write_text(text)
    else:
        sys.stdout.write(text)
