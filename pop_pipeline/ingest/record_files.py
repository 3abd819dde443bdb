"""Which files of a drop hold records, and of which entity.

With a manifest that lists files, the record files are the ``.json``/``.jsonl`` files it lists
(outside ``oracle/``). Without one, they are the raw format's names (WORLD.md: ``users.jsonl``,
``follows.jsonl``, ``tweets.jsonl``, ``retweets.jsonl``, ``replies.jsonl``, ``media.jsonl``) and
API v2 page files named after an entity (``tweets_page_0001.json``, ``users-2.jsonl``). Any
other ``.json``/``.jsonl`` file is *unexpected*: listed in ``raw_files``, never read.
"""

from __future__ import annotations

import re

MANIFEST = "manifest.json"
ORACLE_PREFIX = "oracle/"
RECORD_SUFFIXES = (".jsonl", ".json")
ENTITY_PREFIXES = ("users", "follows", "tweets", "retweets", "replies", "media")
KNOWN_NAME = re.compile(
    rf"^(?:{'|'.join(ENTITY_PREFIXES)})(?:[._-][A-Za-z0-9._-]*)?\.jsonl?$", re.IGNORECASE
)


def is_json_file(relative: str) -> bool:
    return relative.lower().endswith(RECORD_SUFFIXES) and relative != MANIFEST


def file_kind(relative: str) -> str | None:
    """Which entity a file holds, from its name; ``None`` for files that hold no records."""
    if not is_json_file(relative):
        return None
    name = relative.rsplit("/", 1)[-1].lower()
    for prefix, table in (("users", "users"), ("follows", "follows"), ("media", "media")):
        if name.startswith(prefix):
            return table
    return "tweets"


def select_record_files(files: list[str], listed: set[str]) -> tuple[list[str], list[str]]:
    """``(record files, unexpected files)`` among ``files``; ``listed`` is the manifest's list
    (empty without a manifest or when it lists nothing)."""
    records: list[str] = []
    unexpected: list[str] = []
    for relative in files:
        if not is_json_file(relative) or relative.startswith(ORACLE_PREFIX):
            continue
        name = relative.rsplit("/", 1)[-1]
        wanted = relative in listed if listed else bool(KNOWN_NAME.match(name))
        (records if wanted else unexpected).append(relative)
    return records, unexpected
