"""Turn one Twitter API v2 object into one typed row, or say exactly why not.

Structural problems (not JSON, a required field missing, a field of the wrong JSON type anywhere
in the object, an id that is not a string of digits, a timestamp that does not parse) raise
:class:`RecordError` with a reason code; the reader sends such records to the quarantine table
with the record's id when it has one. Nothing is coerced: ``media_keys`` given as a string, a
``username`` given as a number or ``entities`` given as a string are ``invalid_field``.
Semantic problems of well-formed records (a timestamp after the collection time, a negative
count) are kept and left to the blocking asset checks, which stop the run instead of silently
altering the data.
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
        raise RecordError("missing_field", f"missing field {name!r}", record_id_of(obj))
    return obj[name]


def record_id_of(obj: Any) -> str | None:
    """The record's own id (``id``, or ``media_key`` for media) when it is a string or integer."""
    if not isinstance(obj, dict):
        return None
    for name in ("id", "media_key"):
        value = obj.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)[:100]
    return None


def _invalid(path: str, expected: str, value: Any) -> RecordError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return RecordError("invalid_field", f"{path} is not {expected}: {shown}")


def _object(parent: dict[str, Any], name: str, path: str | None = None) -> dict[str, Any]:
    """An optional JSON object field (absent or null: empty)."""
    value = parent.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(path or name, "an object", value)
    return value


def _list(parent: dict[str, Any], name: str, path: str | None = None) -> list[Any]:
    """An optional JSON array field (absent or null: empty)."""
    value = parent.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(path or name, "an array", value)
    return value


def _objects(parent: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """An optional array whose every item is an object."""
    items = _list(parent, name)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(f"{name}[{index}]", "an object", item)
    return items


def _string(obj: dict[str, Any], name: str) -> str:
    """A required string field."""
    value = _field(obj, name)
    if not isinstance(value, str):
        raise _invalid(name, "a string", value)
    return value


def _optional_string(parent: dict[str, Any], name: str, path: str | None = None) -> str:
    value = parent.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(path or name, "a string", value)
    return value


def _optional_bool(obj: dict[str, Any], name: str) -> bool:
    value = obj.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _invalid(name, "a boolean", value)
    return value


def _optional_int(obj: dict[str, Any], name: str) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "an integer", value)
    return value


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
    metrics = _object(obj, "public_metrics")
    return {
        "user_id": parse_id(_field(obj, "id")),
        "username": _string(obj, "username"),
        "name": _optional_string(obj, "name"),
        "description": _optional_string(obj, "description"),
        "location": _optional_string(obj, "location"),
        "created_at": parse_timestamp(_field(obj, "created_at")),
        "verified": _optional_bool(obj, "verified"),
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
    if url is None or url == "":
        raise RecordError("missing_field", "missing field 'url'", key)
    if not isinstance(url, str):
        raise _invalid("url", "a string", url)
    return {
        "media_key": key,
        "media_type": _optional_string(obj, "type") or "photo",
        "url": url,
        "declared_width": _optional_int(obj, "width"),
        "declared_height": _optional_int(obj, "height"),
    }


def tweet_kind(obj: dict[str, Any]) -> str:
    """``retweet``, ``reply`` or ``original`` from ``referenced_tweets`` (quotes are originals).

    Never raises: a malformed ``referenced_tweets`` makes an original, whose parser rejects it.
    """
    references = obj.get("referenced_tweets")
    if not isinstance(references, list):
        return "original"
    types = {ref.get("type") for ref in references if isinstance(ref, dict)}
    if "retweeted" in types:
        return "retweet"
    if "replied_to" in types:
        return "reply"
    return "original"


def _references(obj: dict[str, Any]) -> list[dict[str, Any]]:
    references = _objects(obj, "referenced_tweets")
    for index, reference in enumerate(references):
        _optional_string(reference, "type", f"referenced_tweets[{index}].type")
    return references


def _referenced(obj: dict[str, Any], kind: str) -> str:
    for reference in _references(obj):
        if reference.get("type") == kind:
            return parse_id(reference.get("id"), f"referenced_tweets[{kind}].id")
    raise RecordError("missing_field", f"no referenced tweet of type {kind!r}", record_id_of(obj))


def _media_keys(obj: dict[str, Any]) -> list[str]:
    keys = _list(_object(obj, "attachments"), "media_keys", "attachments.media_keys")
    for index, key in enumerate(keys):
        if not isinstance(key, str) or not key:
            raise _invalid(f"attachments.media_keys[{index}]", "a media key string", key)
    return list(keys)


def _hashtags(obj: dict[str, Any]) -> list[str]:
    entities = _object(obj, "entities")
    tags = []
    for index, hashtag in enumerate(_list(entities, "hashtags", "entities.hashtags")):
        if not isinstance(hashtag, dict):
            raise _invalid(f"entities.hashtags[{index}]", "an object", hashtag)
        tag = _optional_string(hashtag, "tag", f"entities.hashtags[{index}].tag")
        if tag:
            tags.append(tag)
    return tags


def _context_levels(obj: dict[str, Any]) -> dict[str, str | None]:
    """The first Category, Subcategory and Concept entity names of ``context_annotations``."""
    levels: dict[str, str | None] = {"Category": None, "Subcategory": None, "Concept": None}
    for index, annotation in enumerate(_objects(obj, "context_annotations")):
        path = f"context_annotations[{index}]"
        domain_object = _object(annotation, "domain", f"{path}.domain")
        domain = _optional_string(domain_object, "name", f"{path}.domain.name")
        entity = _object(annotation, "entity", f"{path}.entity")
        name = _optional_string(entity, "name", f"{path}.entity.name") or None
        if domain in levels and levels[domain] is None:
            levels[domain] = name
    return levels


def parse_original_tweet(obj: dict[str, Any]) -> dict[str, Any]:
    metrics = _object(obj, "public_metrics")
    _references(obj)
    levels = _context_levels(obj)
    return {
        "tweet_id": parse_id(_field(obj, "id")),
        "author_id": parse_id(_field(obj, "author_id"), "author_id"),
        "created_at": parse_timestamp(_field(obj, "created_at")),
        "text": _string(obj, "text"),
        "lang": _optional_string(obj, "lang"),
        "media_keys": _media_keys(obj),
        "hashtags": _hashtags(obj),
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
    _optional_string(obj, "text")  # "RT @...": checked, not kept
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
        "text": _string(obj, "text"),
    }
