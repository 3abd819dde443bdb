"""The raw format's objects (Twitter API v2 shapes) and the id scheme.

Ids are decimal strings: ``USER_ID_BASE + user index`` (users in account-creation order),
``TWEET_ID_BASE + tweet index`` (originals in posting order), ``RETWEET_ID_BASE + n`` and
``REPLY_ID_BASE + n`` (n = rank in the time-sorted file). Media keys are ``"3_" + tweet id``.
Every object is one compact JSON line with a fixed key order.
"""

from __future__ import annotations

import json
from typing import Any

from pop_pipeline.world.clock import iso_ms
from pop_pipeline.world.taxonomy import (
    Taxonomy,
    category_entity_id,
    concept_entity_id,
    subcategory_entity_id,
)
from pop_pipeline.world.text import Caption, Profile

FORMAT_VERSION = 1
GENERATOR = "pop_pipeline.world"
USER_ID_BASE = 1_000_000_000
TWEET_ID_BASE = 1_800_000_000_000_000_000
RETWEET_ID_BASE = 1_900_000_000_000_000_000
REPLY_ID_BASE = 2_000_000_000_000_000_000
CONTEXT_DOMAINS = (("900", "Category"), ("901", "Subcategory"), ("902", "Concept"))


def dumps(value: Any) -> str:
    """Compact, key-order-preserving, UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def user_id(index: int) -> str:
    return str(USER_ID_BASE + int(index))


def tweet_id(index: int) -> str:
    return str(TWEET_ID_BASE + int(index))


def media_key(index: int) -> str:
    return f"3_{tweet_id(index)}"


def user_object(
    index: int, profile: Profile, created_ms: int, verified: bool, metrics: dict[str, int]
) -> dict[str, Any]:
    return {
        "id": user_id(index),
        "username": profile.username,
        "name": profile.name,
        "description": profile.description,
        "location": profile.location,
        "created_at": iso_ms(created_ms),
        "verified": bool(verified),
        "public_metrics": {
            "followers_count": int(metrics["followers_count"]),
            "following_count": int(metrics["following_count"]),
            "tweet_count": int(metrics["tweet_count"]),
            "listed_count": int(metrics["listed_count"]),
        },
    }


def follow_object(source: int, target: int) -> dict[str, str]:
    return {"source_user_id": user_id(source), "target_user_id": user_id(target)}


def tweet_object(
    index: int,
    author: int,
    created_ms: int,
    caption: Caption,
    has_image: bool,
    concept: int,
    taxonomy: Taxonomy,
    metrics: dict[str, int],
) -> dict[str, Any]:
    subcategory = int(taxonomy.concept_subcategory[concept])
    category = int(taxonomy.subcategory_category[subcategory])
    entities = (
        (category_entity_id(category), taxonomy.category_names[category]),
        (subcategory_entity_id(subcategory), taxonomy.subcategory_names[subcategory]),
        (concept_entity_id(concept), taxonomy.concept_names[concept]),
    )
    tweet: dict[str, Any] = {
        "id": tweet_id(index),
        "author_id": user_id(author),
        "created_at": iso_ms(created_ms),
        "text": caption.text,
        "lang": "en",
    }
    if has_image:
        tweet["attachments"] = {"media_keys": [media_key(index)]}
    tweet["entities"] = {
        "hashtags": [{"start": s, "end": e, "tag": tag} for s, e, tag in caption.hashtags]
    }
    tweet["context_annotations"] = [
        {"domain": {"id": domain_id, "name": domain_name}, "entity": {"id": eid, "name": name}}
        for (domain_id, domain_name), (eid, name) in zip(CONTEXT_DOMAINS, entities, strict=True)
    ]
    tweet["public_metrics"] = {
        "retweet_count": int(metrics["retweet_count"]),
        "reply_count": int(metrics["reply_count"]),
        "like_count": int(metrics["like_count"]),
        "quote_count": int(metrics["quote_count"]),
        "impression_count": int(metrics["impression_count"]),
    }
    return tweet


def retweet_body(
    retweeter: int, created_ms: int, original_index: int, author_username: str, original_text: str
) -> str:
    """A retweet object's JSON without its id (ids are assigned after sorting by time)."""
    return _body(
        {
            "author_id": user_id(retweeter),
            "created_at": iso_ms(created_ms),
            "text": f"RT @{author_username}: {original_text}",
            "referenced_tweets": [{"type": "retweeted", "id": tweet_id(original_index)}],
        }
    )


def reply_body(
    replier: int, created_ms: int, original_index: int, original_author: int, text: str
) -> str:
    """A reply object's JSON without its id (ids are assigned after sorting by time)."""
    return _body(
        {
            "author_id": user_id(replier),
            "created_at": iso_ms(created_ms),
            "text": text,
            "in_reply_to_user_id": user_id(original_author),
            "referenced_tweets": [{"type": "replied_to", "id": tweet_id(original_index)}],
        }
    )


def with_id(object_id: str, body: str) -> str:
    """Prepend ``"id"`` to a body made by ``retweet_body``/``reply_body``."""
    return f'{{"id":"{object_id}",{body}'


def _body(value: dict[str, Any]) -> str:
    return dumps(value)[1:]


def media_object(index: int, size: int) -> dict[str, Any]:
    key = media_key(index)
    return {
        "media_key": key,
        "type": "photo",
        "url": f"media/{key}.jpg",
        "width": int(size),
        "height": int(size),
    }
