"""Read one raw drop into typed tables plus a quarantine table, in a single pass.

Accepts JSON Lines of API v2 objects and API v2 response pages
(``{"data": [...], "includes": {"users": [...], "media": [...], "tweets": [...]}, "meta": {...}}``),
one per line or one per ``.json`` file. Only record files are read (the manifest's list, or the
raw format's names without one: :mod:`pop_pipeline.ingest.record_files`); every other file is
audited in ``raw_files``. The kind of a ``data`` object comes from the file name (``users*``,
``follows*``, ``media*``; anything else holds tweets); each tweet is classified by its
``referenced_tweets`` as an original, a retweet or a reply. Exact duplicates (the same user
repeated in every page's ``includes``) are merged; a second, different record with an id already
seen goes to quarantine as ``duplicate_conflict``. Nothing is dropped without a quarantine row,
and no bad record, however malformed, stops the others: lines are decoded strictly as UTF-8
(``invalid_utf8``), bounded in size (``record_too_large``, :mod:`pop_pipeline.ingest.limits`),
and every read stays inside the drop (:mod:`pop_pipeline.ingest.raw_source`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from pop_pipeline.ingest import records
from pop_pipeline.ingest.bounded_lines import RawLine, iter_bounded_lines, iter_whole_file
from pop_pipeline.ingest.collector import (
    QUARANTINE_COLUMNS,
    TABLE_KEYS,
    RecordCollector,
    leading_id,
)
from pop_pipeline.ingest.file_audit import audit_row
from pop_pipeline.ingest.limits import IngestLimits
from pop_pipeline.ingest.media_decode import decode_media
from pop_pipeline.ingest.raw_source import RawSource, refused_status
from pop_pipeline.ingest.record_files import (
    MANIFEST,
    ORACLE_PREFIX,
    file_kind,
    select_record_files,
)
from pop_pipeline.io.bounded_read import ReadRefused

__all__ = [
    "QUARANTINE_COLUMNS",
    "EmptyRawDropError",
    "RawBatch",
    "RecordCollector",
    "file_kind",
    "read_raw_batch",
]
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
    source: RawSource,
    progress: ProgressCallback | None = None,
    media_workers: int = 8,
    *,
    limits: IngestLimits | None = None,
) -> RawBatch:
    """Read every record file and every referenced image of ``source`` once.

    ``limits`` default to :meth:`IngestLimits.from_env` (the defaults unless overridden).
    """
    limits = limits or IngestLimits.from_env()
    listing = source.scan()
    files = listing.files
    manifest = _read_manifest(source, files, limits)
    expected = _expected_checksums(source, manifest)
    collector = RecordCollector(limits)
    record_files, unexpected = select_record_files(files, set(expected))
    audit: list[dict[str, Any]] = []
    for index, relative in enumerate(record_files):
        audit.append(_read_record_file(source, relative, collector, expected, limits))
        if progress:
            progress("records", index + 1, len(record_files))

    tables = {name: pd.DataFrame(list(rows.values())) for name, rows in collector.rows.items()}
    if tables["tweets"].empty:
        raise EmptyRawDropError(source.uri, record_files, collector.quarantine)
    media, media_audit = decode_media(
        tables["media"],
        source,
        collector,
        expected,
        progress=progress,
        workers=media_workers,
        max_bytes=limits.max_media_bytes,
    )
    tables["media"] = media
    read_paths = {row["path"] for row in audit}
    audit.extend(row for row in media_audit if row["path"] not in read_paths)
    audit.extend(_unread_rows(files, listing.refused, unexpected, audit, expected))

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


def _unread_rows(
    files: list[str],
    refused: dict[str, str],
    unexpected: list[str],
    audit: list[dict[str, Any]],
    expected: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    """Audit rows of the files not read: refused, unexpected, oracle, unused, missing."""
    read_paths = {row["path"] for row in audit}
    unexpected_paths = set(unexpected)
    for relative in files:
        if relative in read_paths or relative == MANIFEST:
            continue
        if relative in unexpected_paths:
            status = "unexpected"
        elif relative.startswith(ORACLE_PREFIX):
            status = "oracle_not_read"
        else:
            status = "not_read"
        yield _unread(relative, status, expected)
    for relative, status in sorted(refused.items()):
        yield _unread(relative, status, expected)
    for relative in sorted(set(expected) - set(files) - set(refused)):
        yield _unread(relative, "missing", expected)


def _unread(relative: str, status: str, expected: dict[str, Any]) -> dict[str, Any]:
    return {
        "path": relative,
        "bytes": None,
        "sha256": None,
        "expected_sha256": expected.get(relative),
        "status": status,
    }


def _read_record_file(
    source: RawSource,
    relative: str,
    collector: RecordCollector,
    expected: dict[str, Any],
    limits: IngestLimits,
) -> dict[str, Any]:
    """Read one record file into ``collector``, hashing every byte; its audit row.

    A file that cannot be read (refused, or failing midway) keeps the rows read before the
    failure, and its audit row says why (``refused_...`` or ``unreadable``).
    """
    kind = file_kind(relative)
    assert kind is not None
    digest, size = hashlib.sha256(), 0

    def hashed_chunks() -> Iterator[bytes]:
        nonlocal size
        for chunk in source.iter_chunks(relative):
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    try:
        if relative.lower().endswith(".jsonl"):
            lines = iter_bounded_lines(hashed_chunks(), limits.max_line_bytes, limits.excerpt_chars)
        else:  # a .json file is one JSON text, however many lines it spans
            lines = iter_whole_file(hashed_chunks(), limits.max_line_bytes, limits.excerpt_chars)
        for line in lines:
            _add_line(collector, kind, relative, line, limits)
    except ReadRefused as error:
        return _unread(relative, refused_status(error.reason), expected)
    except (OSError, ClientError, BotoCoreError) as error:
        collector.reject(relative, None, kind, None, "file_unreadable", f"{error}")
        return _unread(relative, "unreadable", expected)
    return audit_row(relative, size, digest.hexdigest(), expected)


def _add_line(
    collector: RecordCollector, kind: str, relative: str, line: RawLine, limits: IngestLimits
) -> None:
    """Decode one line strictly as UTF-8 and hand it to the collector, or quarantine it."""
    if line.data is None:
        excerpt = _shown(line.excerpt, limits)
        message = (
            f"line of {line.size:,} bytes is over the {limits.max_line_bytes:,}-byte limit; "
            "skipped to the next line"
        )
        collector.reject(
            relative, line.number, kind, excerpt, "record_too_large", message, leading_id(excerpt)
        )
        return
    try:
        text = line.data.decode("utf-8")
    except UnicodeDecodeError as error:
        excerpt = _shown(line.excerpt, limits)
        message = f"not valid UTF-8 at byte {error.start}: {error.reason}"
        collector.reject(
            relative, line.number, kind, excerpt, "invalid_utf8", message, leading_id(excerpt)
        )
        return
    if line.number == 1:
        text = text.removeprefix("\ufeff")
    if text.strip():
        collector.add_line(kind, text, relative, line.number)


def _shown(excerpt: bytes, limits: IngestLimits) -> str:
    """Raw bytes shown safely: invalid UTF-8 as ``\\xNN``, at most ``excerpt_chars``."""
    return excerpt.decode("utf-8", "backslashreplace")[: limits.excerpt_chars]


def _read_manifest(
    source: RawSource, files: list[str], limits: IngestLimits
) -> dict[str, Any] | None:
    if MANIFEST not in files:
        return None
    where = f"{source.uri}/{MANIFEST}"
    try:
        manifest = json.loads(source.read_bytes(MANIFEST, limits.max_manifest_bytes))
    except ReadRefused as error:
        raise ValueError(f"{where} was not read: {error}") from error
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{where} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ValueError(f"{where} is not a JSON object")
    return manifest


def _expected_checksums(source: RawSource, manifest: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest's ``files``: path -> sha256 (``None`` when an entry gives none)."""
    listed = (manifest or {}).get("files") or {}
    if not isinstance(listed, dict):
        raise ValueError(f"{source.uri}/{MANIFEST}: 'files' is not an object of path -> entry")
    return {
        str(path): meta.get("sha256") if isinstance(meta, dict) else None
        for path, meta in listed.items()
    }


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
