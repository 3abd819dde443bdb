"""Open every referenced image exactly once: fetch, hash, decode to RGB, record its size."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pandas as pd
from botocore.exceptions import ClientError

from pop_pipeline.ingest.raw_source import RawSource
from pop_pipeline.io.images import ImageDecodeError, decode_rgb
from pop_pipeline.io.uris import read_uri_bytes

MEDIA_COLUMNS = [
    "media_key",
    "media_type",
    "url",
    "uri",
    "declared_width",
    "declared_height",
    "width",
    "height",
    "bytes",
    "sha256",
]


class Rejector(Protocol):
    def reject(
        self,
        source: str,
        line: int | None,
        entity: str,
        raw: str | None,
        reason: str,
        message: str,
        record_id: str | None = None,
    ) -> None: ...


def _is_relative(url: str) -> bool:
    return "://" not in url and not url.startswith("/")


def _inspect(url: str, source: RawSource) -> dict[str, Any]:
    if url.startswith(("http://", "https://")):
        raise ImageDecodeError(
            "media_unreachable", f"remote media URL {url} cannot be fetched offline"
        )
    try:
        data = source.read_bytes(url) if _is_relative(url) else read_uri_bytes(url)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise ImageDecodeError("media_missing", f"{url}: {error}") from error
    except ClientError as error:  # a missing S3 key
        raise ImageDecodeError("media_missing", f"{url}: {error}") from error
    image = decode_rgb(data)
    return {
        "width": image.width,
        "height": image.height,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def decode_media(
    media: pd.DataFrame,
    source: RawSource,
    rejector: Rejector,
    expected_sha256: dict[str, Any],
    *,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int = 8,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Decode each media row's image in parallel threads (Pillow releases the GIL).

    Returns the media rows whose image decoded (with true ``width``/``height``) and one file
    audit row per image read; every failure becomes a quarantine row with its reason code.
    """
    if media.empty:
        return pd.DataFrame(columns=MEDIA_COLUMNS), []
    rows = media.to_dict("records")
    good: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_inspect, row["url"], source) for row in rows]
        for index, (row, future) in enumerate(zip(rows, futures, strict=True)):
            if progress and ((index + 1) % 500 == 0 or index + 1 == len(rows)):
                progress("media", index + 1, len(rows))
            try:
                info = future.result()
            except ImageDecodeError as error:
                rejector.reject(
                    row["url"], None, "media", None, error.reason, str(error), row["media_key"]
                )
                continue
            uri = source.resolve(row["url"]) if _is_relative(row["url"]) else row["url"]
            good.append({**row, "uri": uri, **info})
            if _is_relative(row["url"]):
                wanted = expected_sha256.get(row["url"])
                status = (
                    "no_manifest"
                    if not expected_sha256
                    else "not_in_manifest"
                    if wanted is None
                    else "ok"
                    if wanted == info["sha256"]
                    else "sha256_mismatch"
                )
                audit.append(
                    {
                        "path": row["url"],
                        "bytes": info["bytes"],
                        "sha256": info["sha256"],
                        "expected_sha256": wanted,
                        "status": status,
                    }
                )
    return pd.DataFrame(good, columns=MEDIA_COLUMNS), audit
