"""Collect parsed records by key: merge exact duplicates, quarantine everything unusable.

One bad record never costs a good one: every failure while reading one line or one object,
expected or not, becomes a quarantine row (with the record's id whenever it has one and a
bounded excerpt of its text), and reading goes on with the next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pop_pipeline.ingest import records
from pop_pipeline.ingest.limits import IngestLimits

TWEET_KIND_TABLE = {"original": "tweets", "retweet": "retweets", "reply": "replies"}
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("user_id",),
    "follows": ("source_user_id", "target_user_id"),
    "tweets": ("tweet_id",),
    "retweets": ("retweet_id",),
    "replies": ("reply_id",),
    "media": ("media_key",),
}
PARSERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "users": records.parse_user,
    "follows": records.parse_follow,
    "tweets": records.parse_original_tweet,
    "retweets": records.parse_retweet,
    "replies": records.parse_reply,
    "media": records.parse_media,
}
QUARANTINE_COLUMNS = ["source", "line", "entity", "record_id", "reason", "message", "raw_text"]
# The id of a line that does not parse, when it starts the object as the raw format writes it.
_LEADING_ID = re.compile(r'^\s*\{\s*"(?:id|media_key)"\s*:\s*"?([0-9A-Za-z_]{1,64})')
PAGE_INCLUDES = (("users", "users"), ("media", "media"), ("tweets", "tweets"))


def leading_id(text: str) -> str | None:
    """The ``id`` (or ``media_key``) a raw line opens with, for rows of lines that don't parse."""
    match = _LEADING_ID.match(text)
    return match.group(1) if match else None


class RecordCollector:
    """Keeps first-seen rows by key, merges exact duplicates and quarantines conflicts."""

    def __init__(self, limits: IngestLimits | None = None) -> None:
        self.limits = limits or IngestLimits()
        self.rows: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {t: {} for t in TABLE_KEYS}
        self.quarantine: list[dict[str, Any]] = []
        self.merged_duplicates = 0

    def excerpt(self, text: str | None) -> str | None:
        limit = self.limits.excerpt_chars
        if text is None or len(text) <= limit:
            return text
        return f"{text[:limit]}... [{len(text):,} characters]"

    def reject(
        self,
        source: str,
        line: int | None,
        entity: str,
        raw: str | None,
        reason: str,
        message: str,
        record_id: str | None = None,
    ) -> None:
        self.quarantine.append(
            {
                "source": _storable(source[:1_000]),
                "line": line,
                "entity": entity,
                "record_id": _storable(record_id),
                "reason": reason,
                "message": _storable(message),
                "raw_text": _storable(self.excerpt(raw)),
            }
        )

    def add(self, table: str, obj: Any, source: str, line: int, raw: str) -> None:
        """Parse one object into ``table`` (tweets are split by kind) or quarantine it."""
        record_id = records.record_id_of(obj)
        try:
            self._add(table, obj, source, line, raw)
        except Exception as error:  # last resort: one record never aborts the drop
            self.reject(
                source,
                line,
                table,
                raw,
                "invalid_record",
                f"{type(error).__name__}: {error}",
                record_id,
            )

    def _add(self, table: str, obj: Any, source: str, line: int, raw: str) -> None:
        if not isinstance(obj, dict):
            self.reject(source, line, table, raw, "not_an_object", "record is not a JSON object")
            return
        record_id = records.record_id_of(obj)
        size = _utf8_size(raw, self.limits.max_record_bytes)
        if size > self.limits.max_record_bytes:
            self.reject(
                source,
                line,
                table,
                raw,
                "record_too_large",
                f"record of {size:,} bytes is over the {self.limits.max_record_bytes:,}-byte limit",
                record_id,
            )
            return
        if table == "tweets":
            table = TWEET_KIND_TABLE[records.tweet_kind(obj)]
        try:
            row = PARSERS[table](obj)
        except records.RecordError as error:
            self.reject(
                source, line, table, raw, error.reason, str(error), error.record_id or record_id
            )
            return
        if _holds_lone_surrogate(row):
            self.reject(
                source,
                line,
                table,
                raw,
                "invalid_utf8",
                "a string holds a lone UTF-16 surrogate (\\ud800-\\udfff), not valid Unicode",
                record_id,
            )
            return
        text = row.get("text")
        if isinstance(text, str) and len(text) > self.limits.max_text_chars:
            self.reject(
                source,
                line,
                table,
                raw,
                "text_too_large",
                f"text of {len(text):,} characters is over the "
                f"{self.limits.max_text_chars:,}-character limit",
                record_id,
            )
            return
        self._keep(table, row, source, line, raw)

    def _keep(self, table: str, row: dict[str, Any], source: str, line: int, raw: str) -> None:
        key = tuple(row[column] for column in TABLE_KEYS[table])
        seen = self.rows[table].get(key)
        if seen is None:
            self.rows[table][key] = row
        elif seen == row:
            self.merged_duplicates += 1
        else:
            self.reject(
                source,
                line,
                table,
                raw,
                "duplicate_conflict",
                f"{'/'.join(key)} was already read with different content",
                key[0],
            )

    def add_line(self, kind: str, text: str, source: str, line: int) -> None:
        """One JSON text: a record object or an API v2 response page of them."""
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, digit limit, nesting
            message = str(error) if isinstance(error, ValueError) else "nested too deeply"
            self.reject(source, line, kind, text, "invalid_json", message, leading_id(text))
            return
        if isinstance(obj, dict) and isinstance(obj.get("data"), list | dict):
            self._add_page(kind, obj, source, line, text)
        else:
            self.add(kind, obj, source, line, text)

    def _add_page(self, kind: str, page: dict[str, Any], source: str, line: int, raw: str) -> None:
        data = page["data"] if isinstance(page["data"], list) else [page["data"]]
        for item in data:
            self.add(kind, item, source, line, _dumps(item))
        includes = page.get("includes")
        if includes is None:
            return
        if not isinstance(includes, dict):
            self.reject(source, line, kind, raw, "invalid_field", "includes is not an object")
            return
        for include_key, table in PAGE_INCLUDES:
            items = includes.get(include_key)
            if items is None:
                continue
            if not isinstance(items, list):
                message = f"includes.{include_key} is not an array"
                self.reject(source, line, table, _dumps(items), "invalid_field", message)
                continue
            for item in items:
                self.add(table, item, source, line, _dumps(item))


def _storable(text: str | None) -> str | None:
    """``text`` with any lone surrogate written as ``\\udxxx``, so every store accepts it."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _holds_lone_surrogate(row: dict[str, Any]) -> bool:
    """True when a string of ``row`` cannot be stored as UTF-8 (``"\\ud800"`` in the JSON)."""
    for value in row.values():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return True
    return False


def _utf8_size(text: str, limit: int) -> int:
    """The UTF-8 size of ``text``, encoding only when it might be over ``limit``."""
    return len(text) if len(text) * 4 <= limit else len(text.encode("utf-8", "surrogatepass"))


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return "<record that cannot be serialised>"
