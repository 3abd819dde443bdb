"""Read one raw drop into typed tables plus a quarantine table, in a single pass.

Accepts JSON Lines of API v2 objects and API v2 response pages
(``{"data": [...], "includes": {"users": [...], "media": [...], "tweets": [...]}, "meta": {...}}``),
one per line or one per ``.json`` file. The kind of a ``data`` object comes from the file name
(``users*``, ``follows*``, ``media*``; anything else holds tweets); each tweet is classified by
its ``referenced_tweets`` as an original, a retweet or a reply. Exact duplicates (the same user
repeated in every page's ``includes``) are merged; a second, different record with an id already
seen goes to quarantine as ``duplicate_conflict``. Nothing is dropped without a quarantine row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from pop_pipeline.ingest import records
from pop_pipeline.ingest.media_decode import decode_media
from pop_pipeline.ingest.raw_source import RawSource

ORACLE_PREFIX = "oracle/"
MANIFEST = "manifest.json"

# table name -> (key columns, parser)
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
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class RawBatch:
    """Everything one ingestion produced: typed tables, quarantine, file audit, collection info."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    files: pd.DataFrame
    collected_at: datetime
    collected_at_source: str
    manifest: dict[str, Any] | None
    stats: dict[str, int] = field(default_factory=dict)


def file_kind(relative: str) -> str | None:
    """Which entity a file holds, from its name; ``None`` for files that hold no records."""
    name = relative.rsplit("/", 1)[-1].lower()
    if not (name.endswith(".jsonl") or name.endswith(".json")) or relative == MANIFEST:
        return None
    for prefix, table in (("users", "users"), ("follows", "follows"), ("media", "media")):
        if name.startswith(prefix):
            return table
    return "tweets"


class RecordCollector:
    """Keeps first-seen rows by key, merges exact duplicates and quarantines conflicts."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {t: {} for t in TABLE_KEYS}
        self.quarantine: list[dict[str, Any]] = []
        self.merged_duplicates = 0

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
                "source": source,
                "line": line,
                "entity": entity,
                "record_id": record_id,
                "reason": reason,
                "message": message,
                "raw_text": raw,
            }
        )

    def add(self, table: str, obj: Any, source: str, line: int, raw: str) -> None:
        if not isinstance(obj, dict):
            self.reject(source, line, table, raw, "not_an_object", "record is not a JSON object")
            return
        if table == "tweets":
            table = TWEET_KIND_TABLE[records.tweet_kind(obj)]
        try:
            row = PARSERS[table](obj)
        except records.RecordError as error:
            self.reject(source, line, table, raw, error.reason, str(error), error.record_id)
            return
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
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as error:
            self.reject(source, line, kind, text, "invalid_json", str(error))
            return
        if isinstance(obj, dict) and isinstance(obj.get("data"), list | dict):
            self._add_page(kind, obj, source, line, text)
        else:
            self.add(kind, obj, source, line, text)

    def _add_page(self, kind: str, page: dict[str, Any], source: str, line: int, raw: str) -> None:
        data = page["data"] if isinstance(page["data"], list) else [page["data"]]
        for item in data:
            self.add(kind, item, source, line, json.dumps(item, sort_keys=True))
        includes = page.get("includes") or {}
        if not isinstance(includes, dict):
            self.reject(source, line, kind, raw, "invalid_field", "includes is not an object")
            return
        for include_key, table in (("users", "users"), ("media", "media"), ("tweets", "tweets")):
            for item in includes.get(include_key) or []:
                self.add(table, item, source, line, json.dumps(item, sort_keys=True))


def _iter_lines_hashing(
    source: RawSource, relative: str, digest: Any, size: list[int]
) -> Iterator[str]:
    """Decode the file's lines while feeding every byte to ``digest`` (one read per file)."""
    pending = b""
    for chunk in source.iter_chunks(relative):
        digest.update(chunk)
        size[0] += len(chunk)
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
    if pending.strip():
        yield pending.rstrip(b"\r").decode("utf-8", errors="replace")


class EmptyRawDropError(ValueError):
    """A drop without a single readable tweet: nothing to ingest, and nothing replaced."""

    def __init__(self, uri: str, record_files: list[str], quarantined: list[dict]) -> None:
        reasons: dict[str, int] = {}
        for row in quarantined:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        counts = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items()))
        detail = (
            f"{len(quarantined)} lines quarantined ({counts})"
            if quarantined
            else "no tweet records at all"
        )
        super().__init__(
            f"raw drop {uri} holds no readable tweet: {len(record_files)} record files "
            f"({', '.join(record_files[:5]) or 'none'}), {detail}. The raw tables were left as "
            "they were; fix the drop (WORLD.md describes the raw format) and run again."
        )


def read_raw_batch(
    source: RawSource, progress: ProgressCallback | None = None, media_workers: int = 8
) -> RawBatch:
    """Read every record file and every referenced image of ``source`` once."""
    files = source.list_files()
    manifest = _read_manifest(source, files)
    expected = {
        path: meta.get("sha256") for path, meta in (manifest or {}).get("files", {}).items()
    }
    collector = RecordCollector()
    audit: list[dict[str, Any]] = []
    record_files = [
        path for path in files if file_kind(path) and not path.startswith(ORACLE_PREFIX)
    ]
    for index, relative in enumerate(record_files):
        kind = file_kind(relative)
        assert kind is not None
        digest, size = hashlib.sha256(), [0]
        if relative.endswith(".jsonl"):
            for number, text in enumerate(_iter_lines_hashing(source, relative, digest, size), 1):
                if text.strip():
                    collector.add_line(kind, text, relative, number)
        else:
            text = "\n".join(_iter_lines_hashing(source, relative, digest, size))
            collector.add_line(kind, text, relative, 1)
        audit.append(_audit_row(relative, size[0], digest.hexdigest(), expected))
        if progress:
            progress("records", index + 1, len(record_files))

    tables = {name: pd.DataFrame(list(rows.values())) for name, rows in collector.rows.items()}
    if tables["tweets"].empty:
        raise EmptyRawDropError(source.uri, record_files, collector.quarantine)
    media, media_audit = decode_media(
        tables["media"], source, collector, expected, progress=progress, workers=media_workers
    )
    tables["media"] = media
    audit.extend(media_audit)
    read_paths = {row["path"] for row in audit}
    for relative in files:
        if relative not in read_paths and relative != MANIFEST:
            status = "oracle_not_read" if relative.startswith(ORACLE_PREFIX) else "not_read"
            audit.append(
                {
                    "path": relative,
                    "bytes": None,
                    "sha256": None,
                    "expected_sha256": expected.get(relative),
                    "status": status,
                }
            )
    for relative in sorted(set(expected) - set(files)):
        audit.append(
            {
                "path": relative,
                "bytes": None,
                "sha256": None,
                "expected_sha256": expected[relative],
                "status": "missing",
            }
        )

    collected_at, collected_from = _collection_time(manifest, tables)
    quarantine = pd.DataFrame(collector.quarantine, columns=QUARANTINE_COLUMNS)
    quarantine = quarantine.sort_values(
        ["source", "line", "reason"], kind="stable", na_position="last"
    ).reset_index(drop=True)
    return RawBatch(
        tables={name: _sorted(name, frame) for name, frame in tables.items()},
        quarantine=quarantine,
        files=pd.DataFrame(audit).sort_values("path").reset_index(drop=True),
        collected_at=collected_at,
        collected_at_source=collected_from,
        manifest=manifest,
        stats={"merged_duplicates": collector.merged_duplicates},
    )


def _audit_row(relative: str, size: int, sha256: str, expected: dict[str, Any]) -> dict[str, Any]:
    wanted = expected.get(relative)
    if not expected:
        status = "no_manifest"
    elif wanted is None:
        status = "not_in_manifest"
    else:
        status = "ok" if wanted == sha256 else "sha256_mismatch"
    return {
        "path": relative,
        "bytes": size,
        "sha256": sha256,
        "expected_sha256": wanted,
        "status": status,
    }


def _read_manifest(source: RawSource, files: list[str]) -> dict[str, Any] | None:
    if MANIFEST not in files:
        return None
    try:
        manifest = json.loads(source.read_bytes(MANIFEST))
    except json.JSONDecodeError as error:
        raise ValueError(f"{source.uri}/{MANIFEST} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ValueError(f"{source.uri}/{MANIFEST} is not a JSON object")
    return manifest


def _collection_time(
    manifest: dict[str, Any] | None, tables: dict[str, pd.DataFrame]
) -> tuple[datetime, str]:
    """The manifest's ``collected_at``; without one, the latest timestamp seen (documented)."""
    if manifest and manifest.get("collected_at"):
        return records.parse_timestamp(manifest["collected_at"], "collected_at"), "manifest"
    candidates = [
        frame[column].max()
        for name, column in (
            ("tweets", "created_at"),
            ("retweets", "retweeted_at"),
            ("replies", "created_at"),
        )
        if len(frame := tables[name])
    ]
    if not candidates:
        raise ValueError("no manifest with collected_at and no timestamped record to infer it")
    return pd.Timestamp(max(candidates)).to_pydatetime(), "latest_record"


def _sorted(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.sort_values(list(TABLE_KEYS[name]), kind="stable").reset_index(drop=True)
