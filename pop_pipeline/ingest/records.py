"""Turn one Twitter API v2 object into one typed row, or say exactly why not.

Structural problems (not JSON, a required field missing or of the wrong type, an id that is not
a string of digits, a timestamp that does not parse) raise :class:`RecordError` with a reason
code; the reader sends such records to the quarantine table. Semantic problems of well-formed
records (a timestamp after the collection time, a negative count) are kept and left to the
blocking asset checks, which stop the run instead of silently altering the data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ENTITY_KINDS = ("user", "follow", "tweet", "media")


class RecordError(ValueError):
    """A record that cannot be used; ``reason`` is the quarantine reason code."""

    def __init__(self, reason: str, message: str, record_id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.record_id = record_id


def _field(obj: dict[str, Any], name: str) -> Any:
    if name not in obj or obj[name] is None:
        raise RecordError("missing_field", f"missing field {name!r}", _maybe_id(obj))
    return obj[name]


def _maybe_id(obj: dict[str, Any]) -> str | None:
    value = obj.get("id", obj.get("media_key"))
    return str(value) if value is not None else None


def parse_id(value: Any, name: str = "id") -> str:
    """IDs are strings of digits in API v2; integers are accepted and converted."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError("invalid_id", f"{name} is not a string of digits: {value!r}")
    text = str(value)
    if not text.isdigit():
        raise RecordError("invalid_id", f"{name} is not a string of digits: {value!r}")
    return text


def parse_timestamp(value: Any, name: str = "created_at") -> datetime:
    """ISO 8601 (with ``Z`` or an offset) to a naive UTC datetime."""
    if not isinstance(value, str):
        raise RecordError("invalid_timestamp", f"{name} is not a string: {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise RecordError("invalid_timestamp", f"{name} does not parse: {value!r}") from error
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_count(metrics: dict[str, Any], name: str) -> int:
    value = metrics.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError("invalid_count", f"public_metrics.{name} is not an integer: {value!r}")
    return value


def parse_user(obj: dict[str, Any]) -> dict[str, Any]:
    metrics = obj.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise RecordError("invalid_field", "public_metrics is not an object", _maybe_id(obj))
    return {
        "user_id": parse_id(_field(obj, "id")),
        "username": str(_field(obj, "username")),
        "name": str(obj.get("name") or ""),
        "description": str(obj.get("description") or ""),
        "location": str(obj.get("location") or ""),
        "created_at": parse_timestamp(_field(obj, "created_at")),
        "verified": bool(obj.get("verified", False)),
        "followers_count": parse_count(metrics, "followers_count"),
        "following_count": parse_count(metrics, "following_count"),
        "tweet_count": parse_count(metrics, "tweet_count"),
        "listed_count": parse_count(metrics, "listed_count"),
    }


def parse_follow(obj: dict[str, Any]) -> dict[str, Any]:
    source = parse_id(_field(obj, "source_user_id"), "source_user_id")
    target = parse_id(_field(obj, "target_user_id"), "target_user_id")
    if source == target:
        raise RecordError("self_follow", f"user {source} follows itself", source)
    return {"source_user_id": source, "target_user_id": target}


def parse_media(obj: dict[str, Any]) -> dict[str, Any]:
    key = _field(obj, "media_key")
    if not isinstance(key, str) or not key:
        raise RecordError("invalid_id", f"media_key is not a string: {key!r}")
    url = obj.get("url") or obj.get("preview_image_url")
    if not isinstance(url, str) or not url:
        raise RecordError("missing_field", "missing field 'url'", key)
    return {
        "media_key": key,
        "media_type": str(obj.get("type") or "photo"),
        "url": url,
        "declared_width": _optional_int(obj.get("width")),
        "declared_height": _optional_int(obj.get("height")),
    }


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def tweet_kind(obj: dict[str, Any]) -> str:
    """``retweet``, ``reply`` or ``original`` from ``referenced_tweets`` (quotes are originals)."""
    for reference in obj.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == "retweeted":
            return "retweet"
    for reference in obj.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == "replied_to":
            return "reply"
    return "original"


def _referenced(obj: dict[str, Any], kind: str) -> str:
    for reference in obj.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == kind:
            return parse_id(reference.get("id"), f"referenced_tweets[{kind}].id")
    raise RecordError("missing_field", f"no referenced tweet of type {kind!r}", _maybe_id(obj))


def parse_original_tweet(obj: dict[str, Any]) -> dict[str, Any]:
    metrics = obj.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise RecordError("invalid_field", "public_metrics is not an object", _maybe_id(obj))
    attachments = obj.get("attachments") or {}
    media_keys = attachments.get("media_keys") or [] if isinstance(attachments, dict) else []
    hashtags = [
        str(tag.get("tag"))
        for tag in (obj.get("entities") or {}).get("hashtags") or []
        if isinstance(tag, dict) and tag.get("tag")
    ]
    levels = {"Category": None, "Subcategory": None, "Concept": None}
    for annotation in obj.get("context_annotations") or []:
        if not isinstance(annotation, dict):
            continue
        domain = (annotation.get("domain") or {}).get("name")
        if domain in levels and levels[domain] is None:
            levels[domain] = (annotation.get("entity") or {}).get("name")
    return {
        "tweet_id": parse_id(_field(obj, "id")),
        "author_id": parse_id(_field(obj, "author_id"), "author_id"),
        "created_at": parse_timestamp(_field(obj, "created_at")),
        "text": str(_field(obj, "text")),
        "lang": str(obj.get("lang") or ""),
        "media_keys": [str(key) for key in media_keys],
        "hashtags": hashtags,
        "category": levels["Category"],
        "subcategory": levels["Subcategory"],
        "concept": levels["Concept"],
        "retweet_count": parse_count(metrics, "retweet_count"),
        "reply_count": parse_count(metrics, "reply_count"),
        "like_count": parse_count(metrics, "like_count"),
        "quote_count": parse_count(metrics, "quote_count"),
        "impression_count": parse_count(metrics, "impression_count"),
    }


def parse_retweet(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "retweet_id": parse_id(_field(obj, "id")),
        "user_id": parse_id(_field(obj, "author_id"), "author_id"),
        "tweet_id": _referenced(obj, "retweeted"),
        "retweeted_at": parse_timestamp(_field(obj, "created_at")),
    }


def parse_reply(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "reply_id": parse_id(_field(obj, "id")),
        "user_id": parse_id(_field(obj, "author_id"), "author_id"),
        "tweet_id": _referenced(obj, "replied_to"),
        "created_at": parse_timestamp(_field(obj, "created_at")),
        "text": str(_field(obj, "text")),
    }
