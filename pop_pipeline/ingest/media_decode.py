"""Open every referenced image exactly once: fetch, hash, decode to RGB, record its size.

A media url is read only inside its drop (:meth:`RawSource.media_path`), at most
``max_bytes`` of it. Every failure is a quarantine row with its reason code:
``media_outside_drop``, ``media_symlink_outside_drop``, ``media_oracle``,
``media_not_regular_file``, ``media_too_large``, ``media_s3_outside_drop``,
``media_remote_url``, ``media_unsupported_url``, ``media_invalid_url`` (refused by
confinement, nothing read); ``media_missing``, ``media_unreadable``, ``media_unreachable``
(an S3 error other than a missing key); ``media_empty``, ``media_undecodable``,
``media_decompression_bomb`` (read, not an image).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from pop_pipeline.ingest.file_audit import audit_row
from pop_pipeline.ingest.raw_source import RawSource
from pop_pipeline.io.bounded_read import ReadRefused
from pop_pipeline.io.images import MAX_IMAGE_BYTES, ImageDecodeError, decode_rgb

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


MISSING_S3_CODES = ("NoSuchKey", "404", "NotFound")


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


def _inspect(url: str, source: RawSource, max_bytes: int) -> dict[str, Any]:
    """Read and decode the image behind ``url``, confined to the drop; its path and facts."""
    try:
        relative = source.media_path(url)
        data = source.read_bytes(relative, max_bytes)
    except ReadRefused as error:
        raise ImageDecodeError(f"media_{error.reason}", str(error)) from error
    except (FileNotFoundError, NotADirectoryError) as error:
        raise ImageDecodeError("media_missing", f"{url}: {error}") from error
    except OSError as error:  # permissions, a symlink loop, ...
        raise ImageDecodeError("media_unreadable", f"{url}: {error}") from error
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        reason = "media_missing" if code in MISSING_S3_CODES else "media_unreachable"
        raise ImageDecodeError(reason, f"{url}: {error}") from error
    except BotoCoreError as error:  # no credentials, no endpoint
        raise ImageDecodeError("media_unreachable", f"{url}: {error}") from error
    image = decode_rgb(data)
    return {
        "path": relative,
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
    max_bytes: int = MAX_IMAGE_BYTES,
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
    audited: set[str] = set()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_inspect, row["url"], source, max_bytes) for row in rows]
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
            except Exception as error:  # last resort: one image never aborts the drop
                message = f"{type(error).__name__}: {error}"
                rejector.reject(
                    row["url"], None, "media", None, "media_unreadable", message, row["media_key"]
                )
                continue
            path = info.pop("path")
            good.append({**row, "uri": source.resolve(path), **info})
            if path not in audited:
                audited.add(path)
                audit.append(audit_row(path, info["bytes"], info["sha256"], expected_sha256))
    return pd.DataFrame(good, columns=MEDIA_COLUMNS), audit
