"""A small hand-written raw drop with known good and bad records, for ingest tests."""

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

COLLECTED_AT = "2026-02-01T00:00:00.000Z"


def jpeg_bytes(color: tuple[int, int, int], size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def user(uid: str, followers: int = 10) -> dict:
    return {
        "id": uid,
        "username": f"u{uid}",
        "name": f"User {uid}",
        "description": "cats",
        "location": "Oslo",
        "created_at": "2025-01-01T00:00:00.000Z",
        "verified": False,
        "public_metrics": {
            "followers_count": followers,
            "following_count": 1,
            "tweet_count": 2,
            "listed_count": 0,
        },
    }


def tweet(
    tid: str,
    author: str,
    media_key: str | None,
    created: str = "2026-01-02T10:00:00.000Z",
    retweets: int = 1,
) -> dict:
    obj = {
        "id": tid,
        "author_id": author,
        "created_at": created,
        "text": f"a cat #{tid}",
        "lang": "en",
        "entities": {"hashtags": [{"start": 6, "end": 6 + len(tid) + 1, "tag": tid}]},
        "context_annotations": [
            {"domain": {"id": "900", "name": "Category"}, "entity": {"id": "1", "name": "animals"}},
            {"domain": {"id": "901", "name": "Subcategory"}, "entity": {"id": "2", "name": "pets"}},
            {"domain": {"id": "902", "name": "Concept"}, "entity": {"id": "3", "name": "cat"}},
        ],
        "public_metrics": {
            "retweet_count": retweets,
            "reply_count": 0,
            "like_count": 2,
            "quote_count": 0,
            "impression_count": 30,
        },
    }
    if media_key:
        obj["attachments"] = {"media_keys": [media_key]}
    return obj


def write_drop(root: Path) -> Path:
    """Write the drop; returns ``root``. Expected outcome documented in test_reader."""
    (root / "media").mkdir(parents=True)
    users = [user("1"), user("2"), user("3"), {"id": "x9", "username": "bad"}]
    lines = {
        "users.jsonl": [json.dumps(u) for u in users] + ["{not json"],
        "follows.jsonl": [
            json.dumps({"source_user_id": "2", "target_user_id": "1"}),
            json.dumps({"source_user_id": "3", "target_user_id": "1"}),
            json.dumps({"source_user_id": "3", "target_user_id": "3"}),
        ],
        "tweets.jsonl": [
            json.dumps(tweet("100", "1", "3_1")),
            json.dumps(tweet("101", "1", "3_2")),
            json.dumps(tweet("102", "1", None)),
            json.dumps(tweet("100", "1", "3_1")),  # exact duplicate: merged
            json.dumps({**tweet("101", "1", "3_2"), "text": "changed"}),  # conflict
            json.dumps({**tweet("103", "1", "3_3"), "created_at": "yesterday"}),
        ],
        "retweets.jsonl": [
            json.dumps(
                {
                    "id": "200",
                    "author_id": "2",
                    "created_at": "2026-01-03T00:00:00.000Z",
                    "text": "RT @u1: a cat",
                    "referenced_tweets": [{"type": "retweeted", "id": "100"}],
                }
            ),
        ],
        "replies.jsonl": [
            json.dumps(
                {
                    "id": "300",
                    "author_id": "3",
                    "created_at": "2026-01-03T01:00:00.000Z",
                    "text": "so cute",
                    "in_reply_to_user_id": "1",
                    "referenced_tweets": [{"type": "replied_to", "id": "100"}],
                }
            ),
        ],
        "media.jsonl": [
            json.dumps(
                {
                    "media_key": "3_1",
                    "type": "photo",
                    "url": "media/3_1.jpg",
                    "width": 32,
                    "height": 24,
                }
            ),
            json.dumps(
                {
                    "media_key": "3_2",
                    "type": "photo",
                    "url": "media/3_2.jpg",
                    "width": 32,
                    "height": 24,
                }
            ),
            json.dumps(
                {
                    "media_key": "3_4",
                    "type": "photo",
                    "url": "media/3_4.jpg",
                    "width": 32,
                    "height": 24,
                }
            ),
            json.dumps({"media_key": "3_5", "type": "photo", "url": "media/missing.jpg"}),
        ],
    }
    for name, content in lines.items():
        (root / name).write_text("\n".join(content) + "\n")
    (root / "media" / "3_1.jpg").write_bytes(jpeg_bytes((200, 10, 10)))
    (root / "media" / "3_2.jpg").write_bytes(jpeg_bytes((10, 200, 10), (40, 20)))
    (root / "media" / "3_4.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    # an API v2 response page: one more tweet with its media and author in `includes`
    page = {
        "data": [tweet("104", "2", "3_6")],
        "includes": {
            "users": [user("2")],
            "media": [{"media_key": "3_6", "type": "photo", "url": "media/3_6.jpg"}],
        },
        "meta": {"result_count": 1},
    }
    (root / "tweets_page_0001.json").write_text(json.dumps(page))
    (root / "media" / "3_6.jpg").write_bytes(jpeg_bytes((10, 10, 200)))
    (root / "oracle").mkdir()
    (root / "oracle" / "truth.json").write_text("{}")
    files = {
        path.relative_to(root).as_posix(): {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size,
        }
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    files["replies.jsonl"]["sha256"] = "0" * 64  # a corrupted file, as the audit must show
    manifest = {"format_version": 1, "collected_at": COLLECTED_AT, "files": files}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root
