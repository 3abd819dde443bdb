"""``pop predict``: fetch a registered model from MLflow and score raw tweets.

A ranking model scores every tweet for each of ``--users``: ``{"user_id", "tweet_id",
"score"}`` per line. A regression model (its pyfunc is a
:class:`~pop_pipeline.registry.regression_pyfunc.RegressionPyfunc`; its run and version carry
``pop.task=regression``) predicts each tweet's popularity target as of ``--observed-at``
(default: now, UTC): ``{"tweet_id", "prediction", "target", "model"}`` per line. Input lines
and tweets that cannot be used are reported on standard error with a reason code.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import mlflow
import pandas as pd

from pop_pipeline.operations.home_relocation import adopt_home
from pop_pipeline.scoring.prediction_input import read_prediction_input
from pop_pipeline.scoring.ranking_input import ranking_input_frame
from pop_pipeline.settings import get_settings


def model_uri(model: str) -> str:
    """``NAME@ALIAS`` or ``NAME/VERSION`` (or a full ``models:/``/``runs:/`` URI)."""
    if ":/" in model:
        return model
    return f"models:/{model}"


def predict_file(
    *,
    model: str,
    input_path: Path,
    users: str | None,
    output: Path | None,
    observed_at: str | None = None,
) -> int:
    from pop_pipeline.scoring.regression_input import parse_observed_at

    adopt_home(get_settings().home)  # a moved home: its MLflow store names the new place
    mlflow.set_tracking_uri(get_settings().mlflow_tracking_uri)
    user_ids = [user.strip() for user in (users or "").split(",") if user.strip()]
    try:
        moment = parse_observed_at(observed_at)
    except ValueError as error:
        print(f"--observed-at: {error}", file=sys.stderr)
        return 2
    parsed = read_prediction_input(input_path)
    for row in parsed.quarantine.itertuples():
        print(f"skipped {row.source}:{row.line} ({row.reason}): {row.message}", file=sys.stderr)
    if parsed.tweets.empty:
        print(f"no scorable tweet in {input_path}", file=sys.stderr)
        return 1
    loaded = mlflow.pyfunc.load_model(model_uri(model))
    from pop_pipeline.registry.regression_pyfunc import RegressionPyfunc

    python_model = _python_model(loaded)
    if isinstance(python_model, RegressionPyfunc):
        if user_ids:
            print(f"--users is ignored: {model} is a regression model", file=sys.stderr)
        return _predict_regression(loaded, python_model, model, parsed.tweets, output, moment)
    if observed_at:
        print(f"--observed-at is ignored: {model} is a ranking model", file=sys.stderr)
    if not user_ids:
        print("--users names no user id (ranking models score tweets for users)", file=sys.stderr)
        return 2
    frame = ranking_input_frame(
        pd.concat([parsed.tweets.assign(user_id=user) for user in user_ids], ignore_index=True)
    )
    scores = loaded.predict(frame)["score"].to_numpy()
    lines = [
        json.dumps({"user_id": u, "tweet_id": t, "score": float(s)})
        for u, t, s in zip(frame["user_id"], frame["tweet_id"], scores, strict=True)
    ]
    _write(lines, output)
    return 0


def _python_model(loaded: mlflow.pyfunc.PyFuncModel) -> object:
    try:
        return loaded.unwrap_python_model()
    except mlflow.exceptions.MlflowException:  # not a python_function model of ours
        return None


def _predict_regression(
    loaded: mlflow.pyfunc.PyFuncModel,
    python_model: object,
    model: str,
    tweets: pd.DataFrame,
    output: Path | None,
    moment: datetime,
) -> int:
    from pop_pipeline.scoring.regression_input import OBSERVED_AT_PARAM, regression_input_frame

    package = python_model.package  # type: ignore[attr-defined]
    frame = regression_input_frame(tweets)
    predicted = loaded.predict(frame, params={OBSERVED_AT_PARAM: moment.isoformat()})
    lines = []
    for row in predicted.itertuples():
        if row.reason:
            print(f"skipped tweet {row.tweet_id} ({row.reason}): {row.message}", file=sys.stderr)
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
