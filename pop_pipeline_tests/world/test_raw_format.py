"""The raw format: manifest checksums and counts, object shapes, consistent public metrics."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pop_pipeline.world.manifest import read_manifest, verify_manifest
from pop_pipeline_tests.world.conftest import read_jsonl

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def world(tiny_world):
    return {
        name: read_jsonl(tiny_world / f"{name}.jsonl")
        for name in ("users", "follows", "tweets", "retweets", "replies", "media")
    }


def test_manifest_lists_every_file_with_its_checksum(tiny_world):
    assert verify_manifest(tiny_world) == []
    manifest = read_manifest(tiny_world)
    assert any(path.startswith("oracle/") for path in manifest["files"])
    assert any(path.startswith("media/") for path in manifest["files"])
    assert "manifest.json" not in manifest["files"]
    assert manifest["format_version"] == 1
    assert manifest["generator"] == "pop_pipeline.world"
    assert manifest["config"]["population"]["n_users"] == 300


def test_manifest_detects_a_changed_file(tmp_path, tiny_world):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_world, copy)
    (copy / "follows.jsonl").write_text("{}\n", encoding="utf-8")
    (copy / "stray.txt").write_text("x", encoding="utf-8")
    problems = verify_manifest(copy)
    assert "checksum mismatch follows.jsonl" in problems
    assert "unlisted file stray.txt" in problems


def test_counts_match_the_files(tiny_world, world):
    counts = read_manifest(tiny_world)["counts"]
    for name in ("users", "follows", "tweets", "retweets", "replies", "media"):
        assert counts[name] == len(world[name]), name
    assert counts["users"] == 300 and counts["tweets"] == 500
    assert len(list((tiny_world / "media").glob("*.jpg"))) == counts["media"]


def test_public_metrics_match_retweets_and_replies(world):
    retweets = Counter(r["referenced_tweets"][0]["id"] for r in world["retweets"])
    replies = Counter(r["referenced_tweets"][0]["id"] for r in world["replies"])
    for tweet in world["tweets"]:
        metrics = tweet["public_metrics"]
        assert metrics["retweet_count"] == retweets[tweet["id"]]
        assert metrics["reply_count"] == replies[tweet["id"]]
        assert metrics["impression_count"] >= metrics["retweet_count"]
    assert sum(retweets.values()) > 2 * len(world["tweets"])  # cascades actually happen


def test_user_metrics_match_the_graph_and_activity(world):
    followers = Counter(f["target_user_id"] for f in world["follows"])
    following = Counter(f["source_user_id"] for f in world["follows"])
    authored = Counter(
        t["author_id"] for key in ("tweets", "retweets", "replies") for t in world[key]
    )
    for user in world["users"]:
        metrics = user["public_metrics"]
        assert metrics["followers_count"] == followers[user["id"]]
        assert metrics["following_count"] == following[user["id"]] >= 1
        assert metrics["tweet_count"] == authored[user["id"]]


def test_object_shapes_ids_and_order(tiny_world, world):
    manifest = read_manifest(tiny_world)
    users = world["users"]
    assert [u["id"] for u in users] == sorted(u["id"] for u in users)
    assert list(users[0]) == [
        "id", "username", "name", "description", "location", "created_at", "verified",
        "public_metrics",
    ]  # fmt: skip
    assert len({u["username"] for u in users}) == len(users)
    user_ids = {u["id"] for u in users}
    tweets = world["tweets"]
    assert [(t["created_at"], t["id"]) for t in tweets] == sorted(
        (t["created_at"], t["id"]) for t in tweets
    )
    for key in ("retweets", "replies"):
        times = [r["created_at"] for r in world[key]]
        assert times == sorted(times), key
    for obj in users + tweets + world["retweets"] + world["replies"]:
        assert obj["id"].isdigit()
        assert TIMESTAMP.match(obj["created_at"])
    for tweet in tweets:
        assert tweet["author_id"] in user_ids and tweet["lang"] == "en"
        domains = [a["domain"]["id"] for a in tweet["context_annotations"]]
        assert domains == ["900", "901", "902"]
        for tag in tweet["entities"]["hashtags"]:
            assert tweet["text"][tag["start"] : tag["end"]] == "#" + tag["tag"]
    assert manifest["collected_at"] > max(r["created_at"] for r in world["retweets"])
    assert manifest["time_span"]["start"] <= tweets[0]["created_at"]
    assert tweets[-1]["created_at"] < manifest["time_span"]["end"]


def test_retweets_and_replies_reference_earlier_tweets_of_others(world):
    tweets = {t["id"]: t for t in world["tweets"]}
    usernames = {u["id"]: u["username"] for u in world["users"]}
    seen = set()
    for retweet in world["retweets"]:
        original = tweets[retweet["referenced_tweets"][0]["id"]]
        assert retweet["referenced_tweets"][0]["type"] == "retweeted"
        assert retweet["author_id"] != original["author_id"]
        assert retweet["created_at"] > original["created_at"]
        assert retweet["text"] == f"RT @{usernames[original['author_id']]}: {original['text']}"
        key = (retweet["author_id"], original["id"])
        assert key not in seen  # one retweet per user and tweet
        seen.add(key)
    for reply in world["replies"]:
        original = tweets[reply["referenced_tweets"][0]["id"]]
        assert reply["referenced_tweets"][0]["type"] == "replied_to"
        assert reply["in_reply_to_user_id"] == original["author_id"]
        assert reply["created_at"] > original["created_at"]


def test_media_objects_and_text_only_tweets(world):
    media = {m["media_key"]: m for m in world["media"]}
    with_image = [t for t in world["tweets"] if "attachments" in t]
    text_only = [t for t in world["tweets"] if "attachments" not in t]
    assert 0 < len(text_only) < 0.15 * len(world["tweets"])  # default share 5 %
    assert len(with_image) == len(media)
    for tweet in with_image:
        (key,) = tweet["attachments"]["media_keys"]
        assert key.startswith("3_") and key[2:].isdigit()
        assert media[key]["url"] == f"media/{key}.jpg"
        assert (media[key]["type"], media[key]["width"], media[key]["height"]) == (
            "photo",
            128,
            128,
        )
