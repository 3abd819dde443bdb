"""A small good drop to plant hostile inputs into, and a recorder of every path opened."""

import builtins
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pop_pipeline_tests.ingest.raw_drop import jpeg_bytes, tweet, user

GOOD_KEYS = {
    "users": {("1",), ("2",)},
    "follows": {("2", "1")},
    "tweets": {("100",), ("101",), ("102",)},
    "retweets": {("200",)},
    "replies": {("300",)},
    "media": {("3_1",), ("3_2",)},
}


def write_good_drop(root: Path) -> Path:
    """Two users, a follow, three tweets (two with a photo), a retweet and a reply; no manifest."""
    (root / "media").mkdir(parents=True)
    lines = {
        "users.jsonl": [user("1"), user("2")],
        "follows.jsonl": [{"source_user_id": "2", "target_user_id": "1"}],
        "tweets.jsonl": [
            tweet("100", "1", "3_1"),
            tweet("101", "1", "3_2"),
            tweet("102", "2", None),
        ],
        "retweets.jsonl": [
            {
                "id": "200",
                "author_id": "2",
                "created_at": "2026-01-03T00:00:00.000Z",
                "text": "RT @u1: a cat",
                "referenced_tweets": [{"type": "retweeted", "id": "100"}],
            }
        ],
        "replies.jsonl": [
            {
                "id": "300",
                "author_id": "2",
                "created_at": "2026-01-03T01:00:00.000Z",
                "text": "so cute",
                "referenced_tweets": [{"type": "replied_to", "id": "100"}],
            }
        ],
        "media.jsonl": [
            {"media_key": "3_1", "type": "photo", "url": "media/3_1.jpg"},
            {"media_key": "3_2", "type": "photo", "url": "media/3_2.jpg"},
        ],
    }
    for name, objects in lines.items():
        (root / name).write_text("".join(json.dumps(obj) + "\n" for obj in objects))
    (root / "media" / "3_1.jpg").write_bytes(jpeg_bytes((200, 10, 10)))
    (root / "media" / "3_2.jpg").write_bytes(jpeg_bytes((10, 200, 10)))
    return root


def write_outside(folder: Path) -> Path:
    """Files next to the drop that ingestion must never read: a JPEG and a tweets file."""
    folder.mkdir(parents=True)
    (folder / "outside.jpg").write_bytes(jpeg_bytes((1, 2, 3)))
    (folder / "outside.jsonl").write_text(json.dumps(tweet("999", "1", None)) + "\n")
    return folder


def append_line(root: Path, name: str, line: bytes | str | dict) -> None:
    """Append one line to ``name`` (a dict is written as JSON)."""
    if isinstance(line, dict):
        line = json.dumps(line)
    data = line.encode("utf-8") if isinstance(line, str) else line
    with open(root / name, "ab") as handle:
        handle.write(data + b"\n")


def add_media(root: Path, key: str, url: str) -> None:
    append_line(root, "media.jsonl", {"media_key": key, "type": "photo", "url": url})


@contextmanager
def recorded_opens() -> Iterator[list[str]]:
    """Record the real path of every file opened through ``os.open`` or ``open`` meanwhile."""
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def note(path: object) -> None:
        if isinstance(path, str | bytes | os.PathLike):
            opened.append(os.path.realpath(os.fsdecode(path)))

    def os_open(path, *args, **kwargs):
        note(path)
        return real_os_open(path, *args, **kwargs)

    def builtin_open(path, *args, **kwargs):
        note(path)
        return real_open(path, *args, **kwargs)

    os.open, builtins.open = os_open, builtin_open
    try:
        yield opened
    finally:
        os.open, builtins.open = real_os_open, real_open


@contextmanager
def unblocking_fifos(root: Path, after_seconds: float) -> Iterator[None]:
    """Unblock a reader stuck on a FIFO under ``root`` after a while, so a regression fails the
    test instead of hanging it (opening for writing succeeds only while someone reads)."""

    def release() -> None:
        for path in root.rglob("*"):
            if path.is_fifo():
                with suppress(OSError):
                    os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(after_seconds, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
