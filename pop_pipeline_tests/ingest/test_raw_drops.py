import json
import os

import boto3
import pytest

from pop_pipeline.ingest.raw_drops import find_raw_drops, newest_unseen_drop, resolve_raw_drop
from pop_pipeline_tests.servers.s3 import s3_endpoint


def _drop(folder, content: dict, mtime: float) -> None:
    folder.mkdir(parents=True)
    (folder / "tweets.jsonl").write_text("{}\n")
    (folder / "manifest.json").write_text(json.dumps(content))
    os.utime(folder / "manifest.json", (mtime, mtime))


def test_local_drops_at_the_root_and_one_level_below_oldest_first(tmp_path):
    _drop(tmp_path / "b", {"seed": 2}, mtime=2_000)
    _drop(tmp_path / "a", {"seed": 1}, mtime=3_000)
    (tmp_path / "a" / "nested").mkdir()
    (tmp_path / "a" / "nested" / "manifest.json").write_text("{}")  # two levels: not a drop
    (tmp_path / "no_manifest").mkdir()

    drops = find_raw_drops(str(tmp_path))

    assert [d.uri for d in drops] == [str(tmp_path / "b"), str(tmp_path / "a")]
    assert drops[0].version != drops[1].version  # sha256 of different manifests
    assert [d.modified_at for d in drops] == [2_000, 3_000]


def test_rewritten_manifest_is_a_new_drop_and_only_the_newest_unseen_is_chosen(tmp_path):
    _drop(tmp_path / "d1", {"seed": 1}, mtime=1_000)
    _drop(tmp_path / "d2", {"seed": 2}, mtime=2_000)
    newest, unseen = newest_unseen_drop(str(tmp_path), seen=set())
    assert newest.uri == str(tmp_path / "d2") and len(unseen) == 2

    seen = {d.key for d in unseen}
    assert newest_unseen_drop(str(tmp_path), seen) == (None, [])

    (tmp_path / "d1" / "manifest.json").write_text(json.dumps({"seed": 3}))
    newest, unseen = newest_unseen_drop(str(tmp_path), seen)
    assert newest.uri == str(tmp_path / "d1") and len(unseen) == 1


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_raw_drops(str(tmp_path / "absent"))


def test_s3_drops_are_found_without_listing_inside_them(tmp_path, monkeypatch):
    with s3_endpoint(monkeypatch) as url:
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        client.create_bucket(Bucket="raw")
        for day in ("2026-11-22", "2026-11-23"):
            client.put_object(Bucket="raw", Key=f"drops/{day}/media/x.jpg", Body=b"jpg")
            client.put_object(Bucket="raw", Key=f"drops/{day}/manifest.json", Body=day.encode())
        client.put_object(Bucket="raw", Key="drops/partial/tweets.jsonl", Body=b"{}")

        drops = find_raw_drops("s3://raw/drops")
        assert sorted(d.uri for d in drops) == [
            "s3://raw/drops/2026-11-22",
            "s3://raw/drops/2026-11-23",
        ]
        etags = {
            d.uri: client.head_object(
                Bucket="raw", Key=d.uri[len("s3://raw/") :] + "/manifest.json"
            )["ETag"].strip('"')
            for d in drops
        }
        assert all(d.version == etags[d.uri] for d in drops)
        # a drop at the root of the watched prefix counts too
        assert [d.uri for d in find_raw_drops("s3://raw/drops/2026-11-23/")] == [
            "s3://raw/drops/2026-11-23"
        ]


def test_a_folder_of_drops_resolves_to_the_newest_and_a_drop_to_itself(tmp_path):
    _drop(tmp_path / "2026-11-23", {"seed": 1}, mtime=1_000)
    _drop(tmp_path / "2026-11-24", {"seed": 2}, mtime=2_000)
    assert resolve_raw_drop(str(tmp_path)) == str(tmp_path / "2026-11-24")
    assert resolve_raw_drop(str(tmp_path / "2026-11-23")) == str(tmp_path / "2026-11-23")
    (tmp_path / "empty").mkdir()
    assert resolve_raw_drop(str(tmp_path / "empty")) == str(tmp_path / "empty")


def test_a_drop_without_tweets_is_a_clear_error_not_a_crash(tmp_path):
    from pop_pipeline.ingest.raw_source import open_raw_source
    from pop_pipeline.ingest.reader import EmptyRawDropError, read_raw_batch

    (tmp_path / "manifest.json").write_text(json.dumps({"collected_at": "2026-11-01T00:00:00Z"}))
    with pytest.raises(EmptyRawDropError, match="no tweet records at all"):
        read_raw_batch(open_raw_source(str(tmp_path)))
    (tmp_path / "tweets.jsonl").write_text("{broken\nnot json either\n")
    with pytest.raises(EmptyRawDropError, match=r"2 lines quarantined \(invalid_json: 2\)"):
        read_raw_batch(open_raw_source(str(tmp_path)))


def test_a_manifest_that_is_a_fifo_or_leads_out_of_its_drop_is_no_drop(tmp_path):
    _drop(tmp_path / "good", {"seed": 1}, mtime=1_000)
    (tmp_path / "fifo").mkdir()
    os.mkfifo(tmp_path / "fifo" / "manifest.json")  # reading it would block for ever
    (tmp_path / "linked").mkdir()
    os.symlink(tmp_path / "good" / "manifest.json", tmp_path / "linked" / "manifest.json")
    assert [d.uri for d in find_raw_drops(str(tmp_path))] == [str(tmp_path / "good")]
