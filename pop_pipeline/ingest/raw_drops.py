"""Find raw drops: folders holding a ``manifest.json`` (WORLD.md's raw format).

A drop is a complete snapshot of the raw data (the world generator and the exporters write the
manifest last, once every file it lists is in place). Drops live either at the watched root
itself or one level below it (``s3://bucket/drops/2026-11-24/manifest.json``). Each drop has a
*version*: the manifest's S3 ETag, or for a local folder the sha256 of the manifest's bytes, so a
re-written manifest counts as a new drop and an untouched one never does.

S3 listing uses ``Delimiter='/'`` so only the root and its immediate sub-prefixes are listed,
never the (possibly millions of) media keys inside a drop.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pop_pipeline.io import s3
from pop_pipeline.io.bounded_read import ReadRefused, open_regular_file
from pop_pipeline.io.uris import local_path

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RawDrop:
    """One drop: where it is, its manifest's version and when the manifest was written."""

    uri: str
    version: str
    modified_at: float  # seconds since the epoch

    @property
    def key(self) -> str:
        """What a sensor remembers: the drop and the manifest version it saw."""
        return f"{self.uri}@{self.version}"


def find_raw_drops(root_uri: str) -> list[RawDrop]:
    """Every drop at ``root_uri`` or one level below it, oldest manifest first."""
    drops = _s3_drops(root_uri) if s3.is_s3_uri(root_uri) else _local_drops(root_uri)
    return sorted(drops, key=lambda drop: (drop.modified_at, drop.uri))


def newest_unseen_drop(root_uri: str, seen: set[str]) -> tuple[RawDrop | None, list[RawDrop]]:
    """The newest drop whose :attr:`RawDrop.key` is not in ``seen``, and every unseen drop.

    Drops are snapshots, so when several landed since the last look only the newest needs
    ingesting; the others are returned so the caller can mark them seen (and report them).
    """
    unseen = [drop for drop in find_raw_drops(root_uri) if drop.key not in seen]
    return (unseen[-1] if unseen else None), unseen


def resolve_raw_drop(uri: str) -> str:
    """The drop to read for ``uri``: itself when it holds a manifest (or holds no drop at all,
    so the reader reports what is wrong), else the newest drop one level below it.

    So ``POP_RAW_URI`` may name one drop or a folder of dated drops, as production's does.
    """
    drops = find_raw_drops(uri)
    if not drops or any(_same_place(drop.uri, uri) for drop in drops):
        return uri
    return drops[-1].uri


def _same_place(drop_uri: str, uri: str) -> bool:
    if s3.is_s3_uri(uri):
        return drop_uri.rstrip("/") == uri.rstrip("/")
    return Path(drop_uri) == local_path(uri)


def _local_drops(root_uri: str) -> list[RawDrop]:
    root = local_path(root_uri)
    if not root.is_dir():
        raise FileNotFoundError(f"raw drop folder does not exist: {root}")
    manifests = [root / MANIFEST, *sorted(root.glob(f"*/{MANIFEST}"))]
    drops = (_local_drop(path) for path in manifests if _inside_its_drop(path))
    return [drop for drop in drops if drop is not None]


def _inside_its_drop(manifest: Path) -> bool:
    """A manifest counts only where it is a regular file that no symlink leads out of its drop."""
    real, drop = os.path.realpath(manifest), os.path.realpath(manifest.parent)
    return real.startswith(drop + os.sep) and os.path.isfile(real)


def _local_drop(manifest: Path) -> RawDrop | None:
    """The drop of ``manifest``; ``None`` when it is not a regular file (a FIFO never blocks)."""
    digest = hashlib.sha256()
    try:
        with open_regular_file(str(manifest)) as handle:
            modified_at = os.fstat(handle.fileno()).st_mtime
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except (ReadRefused, OSError):
        return None
    return RawDrop(uri=str(manifest.parent), version=digest.hexdigest(), modified_at=modified_at)


def _s3_drops(root_uri: str) -> list[RawDrop]:
    root = s3.S3Location.parse(root_uri)
    client = s3.s3_client()
    prefix = root.key.rstrip("/") + "/" if root.key.strip("/") else ""
    candidates = [root]
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=root.bucket, Prefix=prefix, Delimiter="/"):
        for common in page.get("CommonPrefixes", []):
            candidates.append(s3.S3Location(root.bucket, common["Prefix"].rstrip("/")))
    drops = []
    for location in candidates:
        head = s3.head_object(location.join(MANIFEST))
        if head is not None:
            drops.append(
                RawDrop(
                    uri=location.uri.rstrip("/"),
                    version=head["ETag"].strip('"'),
                    modified_at=head["LastModified"].timestamp(),
                )
            )
    return drops
