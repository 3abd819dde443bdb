import boto3
import pandas as pd

from pop_pipeline.ingest.collector import TABLE_KEYS
from pop_pipeline.ingest.limits import IngestLimits
from pop_pipeline.ingest.raw_source import S3RawSource, open_raw_source
from pop_pipeline.ingest.reader import read_raw_batch
from pop_pipeline_tests.ingest.hostile_drop import GOOD_KEYS, add_media, write_good_drop
from pop_pipeline_tests.ingest.raw_drop import jpeg_bytes, write_drop
from pop_pipeline_tests.servers.s3 import s3_endpoint, upload_tree


def test_s3_drop_reads_like_the_local_one(tmp_path, monkeypatch):
    root = write_drop(tmp_path / "drop")
    local = read_raw_batch(open_raw_source(str(root)))
    with s3_endpoint(monkeypatch) as url:
        upload_tree(url, root, "raw", "drops/2026-02-01")
        source = open_raw_source("s3://raw/drops/2026-02-01/")
        assert isinstance(source, S3RawSource)
        remote = read_raw_batch(source)
    for name, frame in local.tables.items():
        columns = [c for c in frame.columns if c != "uri"]
        pd.testing.assert_frame_equal(frame[columns], remote.tables[name][columns])
    assert remote.tables["media"]["uri"].str.startswith("s3://raw/drops/2026-02-01/media/").all()
    assert list(remote.quarantine["reason"]) == list(local.quarantine["reason"])
    assert set(remote.files["status"]) == set(local.files["status"])


def test_s3_media_urls_stay_under_the_drop_prefix(tmp_path, monkeypatch):
    root = write_good_drop(tmp_path / "drop")
    (root / "media" / "big.jpg").write_bytes(jpeg_bytes((5, 5, 5), (400, 400)))
    urls = {
        "9_1": "s3://raw/drops/d1/media/3_1.jpg",  # inside: accepted
        "9_2": "s3://raw/other/x.jpg",  # same bucket, outside the prefix
        "9_3": "s3://raw/drops/d1x/x.jpg",  # a sibling prefix sharing the name's start
        "9_4": "s3://no-such-bucket-4242/x.jpg",  # an unknown bucket: never contacted
        "9_5": "../other/x.jpg",
        "9_6": "media/../../other/x.jpg",
        "9_7": "/etc/hostname",
        "9_8": "file:///etc/hostname",
        "9_9": "media/missing.jpg",
        "9_10": "media/big.jpg",
        "9_11": "http://example.com/x.jpg",
    }
    for key, url in urls.items():
        add_media(root, key, url)
    with s3_endpoint(monkeypatch) as url:
        upload_tree(url, root, "raw", "drops/d1")
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        for key in ("other/x.jpg", "drops/d1x/x.jpg"):
            client.put_object(Bucket="raw", Key=key, Body=jpeg_bytes((1, 2, 3)))
        batch = read_raw_batch(
            open_raw_source("s3://raw/drops/d1"), limits=IngestLimits(max_media_bytes=1_000)
        )
    reasons = dict(zip(batch.quarantine["record_id"], batch.quarantine["reason"], strict=True))
    assert reasons == {
        "9_2": "media_s3_outside_drop",
        "9_3": "media_s3_outside_drop",
        "9_4": "media_s3_outside_drop",
        "9_5": "media_outside_drop",
        "9_6": "media_outside_drop",
        "9_7": "media_outside_drop",
        "9_8": "media_outside_drop",
        "9_9": "media_missing",
        "9_10": "media_too_large",
        "9_11": "media_remote_url",
    }
    media = batch.tables["media"].set_index("media_key")
    assert sorted(media.index) == ["3_1", "3_2", "9_1"]
    assert media.loc["9_1", "uri"] == "s3://raw/drops/d1/media/3_1.jpg"
    for name, keys in GOOD_KEYS.items():
        columns = list(TABLE_KEYS[name])
        found = {tuple(row) for row in batch.tables[name][columns].itertuples(index=False)}
        assert found >= keys, name
