"""The size limits ingestion enforces, with their defaults and environment overrides.

Each limit bounds what one bad record or file can cost: a line longer than ``max_line_bytes``
is skipped to its newline without being held in memory; a record (a JSONL line or one object of
a response page) over ``max_record_bytes``, or a ``text`` over ``max_text_chars``, is quarantined
with an excerpt of ``excerpt_chars``; a media file over ``max_media_bytes`` is refused after
reading at most one byte more than the limit. Operators override them with the environment
variables named in :data:`ENVIRONMENT`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from pop_pipeline.io.images import MAX_IMAGE_BYTES

MIB = 1024 * 1024
ENVIRONMENT = {
    "max_line_bytes": "POP_INGEST_MAX_LINE_BYTES",
    "max_record_bytes": "POP_INGEST_MAX_RECORD_BYTES",
    "max_text_chars": "POP_INGEST_MAX_TEXT_CHARS",
    "max_media_bytes": "POP_INGEST_MAX_MEDIA_BYTES",
    "max_manifest_bytes": "POP_INGEST_MAX_MANIFEST_BYTES",
}


@dataclass(frozen=True)
class IngestLimits:
    """Size limits of one ingestion (bytes unless named ``_chars``)."""

    max_line_bytes: int = 16 * MIB
    max_record_bytes: int = 1 * MIB
    # X's long posts hold at most 25,000 characters; anything longer is not a post.
    max_text_chars: int = 25_000
    max_media_bytes: int = MAX_IMAGE_BYTES
    # a million-image drop lists ~130 MB of checksums
    max_manifest_bytes: int = 512 * MIB
    excerpt_chars: int = 2_000

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 1:
                raise ValueError(f"ingest limit {item.name} must be positive")

    @classmethod
    def from_env(cls) -> IngestLimits:
        """The defaults, overridden by any ``POP_INGEST_MAX_*`` environment variable set."""
        values: dict[str, int] = {}
        for name, variable in ENVIRONMENT.items():
            text = os.environ.get(variable, "").strip()
            if text:
                try:
                    values[name] = int(text)
                except ValueError as error:
                    raise ValueError(f"{variable} must be an integer, got {text!r}") from error
        return cls(**values)
