from datetime import datetime

import pandas as pd
import pytest

from pop_pipeline.ingest.raw_source import open_raw_source
from pop_pipeline.ingest.reader import read_raw_batch
from pop_pipeline_tests.ingest.raw_drop import write_drop


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = write_drop(tmp_path_factory.mktemp("drop"))
    return read_raw_batch(open_raw_source(str(root)))


def test_good_rows_are_kept_from_lines_and_pages(batch):
    assert list(batch.tables["users"]["user_id"]) == ["1", "2", "3"]
    assert list(batch.tables["tweets"]["tweet_id"]) == ["100", "101", "102", "104"]
    assert batch.tables["tweets"].set_index("tweet_id").loc["101", "text"] == "a cat #101"
    assert list(batch.tables["retweets"]["tweet_id"]) == ["100"]
    assert list(batch.tables["replies"]["text"]) == ["so cute"]
    assert sorted(batch.tables["media"]["media_key"]) == ["3_1", "3_2", "3_6"]
    assert len(batch.tables["follows"]) == 2
    tweet = batch.tables["tweets"].set_index("tweet_id").loc["100"]
    assert (tweet["category"], tweet["subcategory"], tweet["concept"]) == ("animals", "pets", "cat")
    assert tweet["created_at"] == datetime(2026, 1, 2, 10, 0)


def test_images_opened_with_true_size(batch):
    media = batch.tables["media"].set_index("media_key")
    assert (media.loc["3_2", "width"], media.loc["3_2", "height"]) == (40, 20)
    assert media.loc["3_1", "uri"].endswith("media/3_1.jpg")
    assert len(media.loc["3_1", "sha256"]) == 64


def test_every_bad_record_is_quarantined_with_a_reason(batch):
    reasons = batch.quarantine.groupby("reason").size().to_dict()
    assert reasons == {
        "duplicate_conflict": 1,  # tweet 101 read again with other text
        "invalid_id": 1,  # user "x9"
        "invalid_json": 1,  # "{not json"
        "invalid_timestamp": 1,  # tweet 103 "yesterday"
        "media_missing": 1,  # 3_5 points to no file
        "media_undecodable": 1,  # 3_4 is not a JPEG
        "self_follow": 1,
    }
    bad_json = batch.quarantine[batch.quarantine["reason"] == "invalid_json"].iloc[0]
    assert (bad_json["source"], bad_json["line"], bad_json["raw_text"]) == (
        "users.jsonl",
        5,
        "{not json",
    )
    assert batch.stats["merged_duplicates"] >= 1  # tweet 100 twice, user 2 in the page


def test_file_audit_against_manifest(batch):
    status = batch.files.set_index("path")["status"]
    assert status["replies.jsonl"] == "sha256_mismatch"
    assert status["tweets.jsonl"] == "ok"
    assert status["media/3_1.jpg"] == "ok"
    assert status["oracle/truth.json"] == "oracle_not_read"
    assert batch.collected_at == datetime(2026, 2, 1)


def test_reading_twice_gives_identical_tables(tmp_path):
    root = write_drop(tmp_path / "drop")
    first = read_raw_batch(open_raw_source(str(root)))
    second = read_raw_batch(open_raw_source(str(root)))
    for name, frame in first.tables.items():
        pd.testing.assert_frame_equal(frame, second.tables[name])
    pd.testing.assert_frame_equal(first.quarantine, second.quarantine)
