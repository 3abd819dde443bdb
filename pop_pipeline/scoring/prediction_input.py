"""Raw tweets to score, read from a JSON Lines file of API v2 objects or response pages.

The file may hold original tweets (with ``attachments.media_keys``), the ``media`` objects they
reference (in a page's ``includes.media``, or as lines of their own), their authors (in
``includes.users``) and replies (comments). Media ``url``s are resolved against the file's
folder unless absolute or ``s3://``. Records that cannot be used are returned as quarantine
rows with a reason code, never silently skipped; :func:`skipped_line` words one for the user.

A file that cannot be read as text — missing, a directory, not UTF-8 — is the caller's mistake:
:class:`~pop_pipeline.usage_error.UsageError`, naming the first line that is not UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from pop_pipeline.ingest.reader import QUARANTINE_COLUMNS, RecordCollector
from pop_pipeline.io.uris import join_uri
from pop_pipeline.usage_error import UsageError

# a quarantine row's ``entity`` (a raw table) as the word that names one of its records
_RECORD_WORDS = {"tweets": "tweet", "replies": "reply", "retweets": "retweet", "users": "user"}


@dataclass(frozen=True)
class PredictionInput:
    tweets: pd.DataFrame  # ranking input columns except user_id, and the category levels
    quarantine: pd.DataFrame  # unusable records with reason codes
    source: str = ""  # the input file's name
    lines: dict[str, int] = field(default_factory=dict)  # tweet id -> its line in the file

    def where(self, tweet_id: str) -> str:
        """``input.jsonl line 3 (tweet 10)``: where a tweet was read."""
        line = self.lines.get(str(tweet_id))
        shown = f" line {line}" if line is not None else ""
        return f"{self.source}{shown} (tweet {tweet_id})"


def skipped_line(row: Any) -> str:
    """``input.jsonl line 3 (tweet 10): invalid_json: message`` for a quarantine row."""
    where = str(row.source)
    if row.line is not None and row.line == row.line:  # NaN: not tied to one line
        where += f" line {int(row.line)}"
    if row.record_id is not None and row.record_id == row.record_id:
        where += f" ({_RECORD_WORDS.get(str(row.entity), str(row.entity))} {row.record_id})"
    return f"{where}: {row.reason}: {row.message}"


def _kind(obj: Any) -> str:
    if isinstance(obj, dict) and "media_key" in obj and "id" not in obj:
        return "media"
    if isinstance(obj, dict) and "username" in obj and "author_id" not in obj:
        return "users"
    return "tweets"


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of every line of ``path``, 1-based.

    Raises:
        UsageError: the file is missing, a directory or unreadable, or a line is not UTF-8.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed below; errors name the path)
    except FileNotFoundError:
        raise UsageError(f"input file {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"input {path} is a directory, not a JSON Lines file") from None
    except OSError as error:
        raise UsageError(f"input file {path} cannot be read: {error.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, 1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise UsageError(
                    f"input file {path} line {number} is not UTF-8 "
                    f"(byte 0x{raw[error.start]:02x} at column {error.start + 1})"
                ) from None


def read_prediction_input(path: str | Path) -> PredictionInput:
    """The tweets of a JSON Lines file, with the records that cannot be used as quarantine.

    Raises:
        UsageError: the file cannot be read as UTF-8 text (see :func:`_text_lines`).
    """
    path = Path(path)
    collector = RecordCollector()
    tweet_lines: dict[str, int] = {}
    for number, line in _text_lines(path):
        text = line.strip()
        if not text:
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as error:
            collector.reject(path.name, number, "tweets", text, "invalid_json", str(error))
            continue
        before = len(collector.rows["tweets"])
        collector.add_line(_kind(obj), text, path.name, number)
        added = len(collector.rows["tweets"]) - before
        for key in islice(reversed(collector.rows["tweets"]), added):
            tweet_lines[key[0]] = number
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
                tweet_lines.get(tweet["tweet_id"]),
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
        source=path.name,
        lines=tweet_lines,
    )
