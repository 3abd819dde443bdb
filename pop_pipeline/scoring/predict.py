"""``pop predict``: fetch a registered model from MLflow and score raw tweets for users."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mlflow
import pandas as pd

from pop_pipeline.scoring.prediction_input import read_prediction_input
from pop_pipeline.scoring.ranking_input import ranking_input_frame
from pop_pipeline.settings import get_settings


def model_uri(model: str) -> str:
    """``NAME@ALIAS`` or ``NAME/VERSION`` (or a full ``models:/``/``runs:/`` URI)."""
    if ":/" in model:
        return model
    return f"models:/{model}"


def predict_file(*, model: str, input_path: Path, users: str, output: Path | None) -> int:
    mlflow.set_tracking_uri(get_settings().mlflow_tracking_uri)
    user_ids = [user.strip() for user in users.split(",") if user.strip()]
    if not user_ids:
        print("--users names no user id", file=sys.stderr)
        return 2
    parsed = read_prediction_input(input_path)
    for row in parsed.quarantine.itertuples():
        print(f"skipped {row.source}:{row.line} ({row.reason}): {row.message}", file=sys.stderr)
    if parsed.tweets.empty:
        print(f"no scorable tweet in {input_path}", file=sys.stderr)
        return 1
    frame = ranking_input_frame(
        pd.concat([parsed.tweets.assign(user_id=user) for user in user_ids], ignore_index=True)
    )
    loaded = mlflow.pyfunc.load_model(model_uri(model))
    scores = loaded.predict(frame)["score"].to_numpy()
    lines = [
        json.dumps({"user_id": u, "tweet_id": t, "score": float(s)})
        for u, t, s in zip(frame["user_id"], frame["tweet_id"], scores, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if output:
        output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0
