"""Raw tweets to score, read from a JSON Lines file of API v2 objects or response pages.

The file may hold original tweets (with ``attachments.media_keys``), the ``media`` objects they
reference (in a page's ``includes.media``, or as lines of their own), their authors (in
``includes.users``) and replies (comments). Media ``url``s are resolved against the file's
folder unless absolute or ``s3://``. Records that cannot be used are returned as quarantine
rows with a reason code, never silently skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pop_pipeline.ingest.reader import QUARANTINE_COLUMNS, RecordCollector
from pop_pipeline.io.uris import join_uri


@dataclass(frozen=True)
class PredictionInput:
    tweets: pd.DataFrame  # ranking input columns except user_id, and the category levels
    quarantine: pd.DataFrame  # unusable records with reason codes


def _kind(obj: Any) -> str:
    if isinstance(obj, dict) and "media_key" in obj and "id" not in obj:
        return "media"
    if isinstance(obj, dict) and "username" in obj and "author_id" not in obj:
        return "users"
    return "tweets"


def read_prediction_input(path: str | Path) -> PredictionInput:
    path = Path(path)
    collector = RecordCollector()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            text = line.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as error:
                collector.reject(path.name, number, "tweets", text, "invalid_json", str(error))
                continue
            collector.add_line(_kind(obj), text, path.name, number)
    media = {key[0]: row for key, row in collector.rows["media"].items()}
    followers = {key[0]: row["followers_count"] for key, row in collector.rows["users"].items()}
    comments: dict[str, list[tuple[Any, str]]] = {}
    for reply in collector.rows["replies"].values():
        comments.setdefault(reply["tweet_id"], []).append((reply["created_at"], reply["text"]))
    rows = []
    for tweet in collector.rows["tweets"].values():
        photo = next((media[k] for k in tweet["media_keys"] if k in media), None)
        if photo is None:
            collector.reject(
                path.name,
                None,
                "tweets",
                None,
                "image_unresolved",
                "no attached photo among the input's media objects",
                tweet["tweet_id"],
            )
            continue
        rows.append(
            {
                "tweet_id": tweet["tweet_id"],
                "author_id": tweet["author_id"],
                "created_at": tweet["created_at"],
                "text": tweet["text"],
                "comments": "\n".join(t for _, t in sorted(comments.get(tweet["tweet_id"], []))),
                "media_uri": join_uri(str(path.parent.resolve()), photo["url"]),
                "author_followers_count": int(followers.get(tweet["author_id"], 0)),
                # the context annotations' three levels (DSN's categories; None if absent)
                "category": tweet["category"],
                "subcategory": tweet["subcategory"],
                "concept": tweet["concept"],
            }
        )
    return PredictionInput(
        tweets=pd.DataFrame(rows),
        quarantine=pd.DataFrame(collector.quarantine, columns=QUARANTINE_COLUMNS),
    )
