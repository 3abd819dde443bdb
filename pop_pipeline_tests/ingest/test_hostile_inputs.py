"""Every hostile or malformed input class of issue 12 (items 3 and 4), one row each.

Each case plants one bad input into a small good drop and asserts its quarantine reason (and
record id), or its ``raw_files`` status, and that every good record of the drop is still
ingested. Nothing outside the drop is opened: every path opened is recorded and checked.
"""

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pop_pipeline.ingest import collector as collector_module
from pop_pipeline.ingest.collector import TABLE_KEYS
from pop_pipeline.ingest.limits import IngestLimits
from pop_pipeline.ingest.raw_source import open_raw_source
from pop_pipeline.ingest.reader import read_raw_batch
from pop_pipeline_tests.ingest.hostile_drop import (
    GOOD_KEYS,
    add_media,
    append_line,
    recorded_opens,
    unblocking_fifos,
    write_good_drop,
    write_outside,
)
from pop_pipeline_tests.ingest.raw_drop import jpeg_bytes, tweet, user

Plant = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Case:
    name: str
    plant: Plant
    reason: str | None  # the one quarantine reason expected (None: no quarantine row)
    record_id: str | None = None
    file_status: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    extra_keys: dict[str, set] = field(default_factory=dict)  # good rows the case adds


def _symlink(target: str | Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def _tweet_with(**changes) -> dict:
    return {**tweet("500", "1", None), **changes}


def _tweet_line(**changes) -> Plant:
    return lambda drop, outside: append_line(drop, "tweets.jsonl", _tweet_with(**changes))


def _media(key: str, url: str | Callable[[Path, Path], str]) -> Plant:
    def plant(drop: Path, outside: Path) -> None:
        add_media(drop, key, url(drop, outside) if callable(url) else url)

    return plant


def _both(*plants: Plant) -> Plant:
    def plant(drop: Path, outside: Path) -> None:
        for step in plants:
            step(drop, outside)

    return plant


def _fifo(relative: str) -> Plant:
    return lambda drop, outside: os.mkfifo(drop / relative)


def _file(relative: str, content: bytes) -> Plant:
    return lambda drop, outside: (drop / relative).write_bytes(content)


def _link(relative: str, target: Callable[[Path, Path], str | Path]) -> Plant:
    return lambda drop, outside: _symlink(target(drop, outside), drop / relative)


def _oracle_image(drop: Path, outside: Path) -> None:
    (drop / "oracle").mkdir()
    (drop / "oracle" / "truth.jpg").write_bytes(jpeg_bytes((9, 9, 9)))


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


CASES = [
    # item 3: media urls are confined to the drop
    Case("dotdot_url", _media("9_1", "../outside/outside.jpg"), "media_outside_drop", "9_1"),
    Case(
        "absolute_path_outside",
        _media("9_1", lambda d, o: str(o / "outside.jpg")),
        "media_outside_drop",
        "9_1",
    ),
    Case(
        "file_uri_outside",
        _media("9_1", lambda d, o: f"file://{o / 'outside.jpg'}"),
        "media_outside_drop",
        "9_1",
    ),
    Case("dev_zero_url", _media("9_1", "/dev/zero"), "media_outside_drop", "9_1"),
    Case(
        "symlink_out",
        _both(
            _link("media/link.jpg", lambda d, o: o / "outside.jpg"),
            _media("9_1", "media/link.jpg"),
        ),
        "media_symlink_outside_drop",
        "9_1",
        file_status={"media/link.jpg": "refused_outside_drop"},
    ),
    Case(
        "symlinked_folder_out",
        _both(_link("elsewhere", lambda d, o: o), _media("9_1", "elsewhere/outside.jpg")),
        "media_symlink_outside_drop",
        "9_1",
        file_status={"elsewhere": "refused_outside_drop"},
    ),
    Case(
        "symlink_to_dev_zero",
        _both(_link("media/zero.jpg", lambda d, o: "/dev/zero"), _media("9_1", "media/zero.jpg")),
        "media_symlink_outside_drop",
        "9_1",
        file_status={"media/zero.jpg": "refused_outside_drop"},
    ),
    Case(
        "fifo_media",
        _both(_fifo("media/pipe.jpg"), _media("9_1", "media/pipe.jpg")),
        "media_not_regular_file",
        "9_1",
        file_status={"media/pipe.jpg": "refused_not_regular"},
    ),
    Case("directory_url", _media("9_1", "media"), "media_not_regular_file", "9_1"),
    Case(
        "media_over_the_cap",
        _both(
            _file("media/big.jpg", jpeg_bytes((5, 5, 5), (400, 400))),
            _media("9_1", "media/big.jpg"),
        ),
        "media_too_large",
        "9_1",
        limits={"max_media_bytes": 1_000},
    ),
    Case("s3_url_on_a_local_drop", _media("9_1", "s3://raw/x.jpg"), "media_s3_outside_drop", "9_1"),
    Case(
        "unknown_bucket_s3_url",
        _media("9_1", "s3://no-such-bucket-4242/x.jpg"),
        "media_s3_outside_drop",
        "9_1",
    ),
    Case("http_url", _media("9_1", "https://example.com/cat.jpg"), "media_remote_url", "9_1"),
    Case("ftp_url", _media("9_1", "ftp://example.com/cat.jpg"), "media_unsupported_url", "9_1"),
    Case("url_through_a_file", _media("9_1", "media/3_1.jpg/x.jpg"), "media_missing", "9_1"),
    Case(
        "oracle_url",
        _both(_oracle_image, _media("9_1", "oracle/truth.jpg")),
        "media_oracle",
        "9_1",
    ),
    Case(
        "absolute_path_inside_is_accepted",
        _both(
            _media("9_1", lambda d, o: str(d / "media" / "3_1.jpg")),
            _media("9_2", lambda d, o: f"file://{d / 'media' / '3_2.jpg'}"),
            _media("9_3", "media/../media/3_1.jpg"),
        ),
        None,
        extra_keys={"media": {("9_1",), ("9_2",), ("9_3",)}},
    ),
    Case(
        "symlinks_inside_are_accepted",
        _both(
            _link("pics", lambda d, o: d / "media"),
            _link("media/alias.jpg", lambda d, o: "3_2.jpg"),
            _media("9_1", "pics/3_1.jpg"),
            _media("9_2", "media/alias.jpg"),
        ),
        None,
        file_status={"media/alias.jpg": "no_manifest", "pics/3_1.jpg": "no_manifest"},
        extra_keys={"media": {("9_1",), ("9_2",)}},
    ),
    # item 4: malformed records
    Case("entities_a_string", _tweet_line(entities="oops"), "invalid_field", "500"),
    Case(
        "media_keys_a_string",
        _tweet_line(attachments={"media_keys": "3_1"}),
        "invalid_field",
        "500",
    ),
    Case("attachments_a_list", _tweet_line(attachments=["3_1"]), "invalid_field", "500"),
    Case(
        "context_annotation_domain_not_an_object",
        _tweet_line(context_annotations=[{"domain": "Category", "entity": {"name": "x"}}]),
        "invalid_field",
        "500",
    ),
    Case(
        "context_annotations_an_object", _tweet_line(context_annotations={}), "invalid_field", "500"
    ),
    Case("public_metrics_a_list", _tweet_line(public_metrics=[1, 2]), "invalid_field", "500"),
    Case("referenced_tweets_a_string", _tweet_line(referenced_tweets="x"), "invalid_field", "500"),
    Case(
        "referenced_tweets_an_integer",
        _tweet_line(referenced_tweets=7),
        "invalid_field",
        "500",
    ),
    Case(
        "hashtags_of_strings",
        _tweet_line(entities={"hashtags": ["cat"]}),
        "invalid_field",
        "500",
    ),
    Case("text_not_a_string", _tweet_line(text=["a"]), "invalid_field", "500"),
    Case("created_at_not_a_string", _tweet_line(created_at=17), "invalid_timestamp", "500"),
    Case("bad_author_id", _tweet_line(author_id="abc"), "invalid_id", "500"),
    Case("count_a_string", _tweet_line(public_metrics={"like_count": "2"}), "invalid_count", "500"),
    Case(
        "username_not_a_string",
        lambda d, o: append_line(d, "users.jsonl", {**user("7"), "username": 7}),
        "invalid_field",
        "7",
    ),
    Case(
        "verified_a_string",
        lambda d, o: append_line(d, "users.jsonl", {**user("7"), "verified": "yes"}),
        "invalid_field",
        "7",
    ),
    Case(
        "media_width_a_string",
        lambda d, o: append_line(
            d, "media.jsonl", {"media_key": "9_1", "url": "media/3_1.jpg", "width": "wide"}
        ),
        "invalid_field",
        "9_1",
    ),
    Case(
        "page_includes_users_not_a_list",
        _file(
            "tweets_page_0001.json",
            json.dumps({"data": [], "includes": {"users": "oops"}}).encode(),
        ),
        "invalid_field",
    ),
    Case("not_an_object", lambda d, o: append_line(d, "tweets.jsonl", "[1, 2]"), "not_an_object"),
    Case(
        "invalid_json_keeps_its_id",
        lambda d, o: append_line(d, "tweets.jsonl", '{"id": "777", "text": '),
        "invalid_json",
        "777",
    ),
    Case(
        "nested_too_deeply",
        lambda d, o: append_line(d, "tweets.jsonl", _deep_json(200_000)),
        "invalid_json",
    ),
    Case(
        "invalid_utf8",
        lambda d, o: append_line(d, "tweets.jsonl", b'{"id": "501", "text": "caf\xe9"}'),
        "invalid_utf8",
        "501",
    ),
    Case(
        "lone_surrogate",
        lambda d, o: append_line(d, "tweets.jsonl", json.dumps(_tweet_with(text="\ud800"))),
        "invalid_utf8",
        "500",
    ),
    Case(
        "text_of_20_mb",
        lambda d, o: append_line(d, "tweets.jsonl", _tweet_with(text="cat " * 5_000_000)),
        "record_too_large",
        "500",
    ),
    Case(
        "oversized_line_then_a_good_one",
        _both(
            lambda d, o: append_line(d, "tweets.jsonl", _tweet_with(text="x" * 5_000)),
            lambda d, o: append_line(d, "tweets.jsonl", tweet("103", "1", None)),
        ),
        "record_too_large",
        "500",
        limits={"max_line_bytes": 2_000, "max_record_bytes": 2_000},
        extra_keys={"tweets": {("103",)}},
    ),
    Case(
        "record_over_the_record_limit",
        lambda d, o: append_line(d, "users.jsonl", {**user("7"), "description": "a" * 1_100_000}),
        "record_too_large",
        "7",
    ),
    Case(
        "text_over_the_text_limit",
        _tweet_line(text="a" * 30_000),
        "text_too_large",
        "500",
    ),
    # item 4: only record files are read
    Case(
        "unexpected_json_file",
        _file("notes.json", json.dumps(tweet("600", "1", None)).encode()),
        None,
        file_status={"notes.json": "unexpected"},
    ),
    Case(
        "record_file_symlinked_out",
        _link("tweets_more.jsonl", lambda d, o: o / "outside.jsonl"),
        None,
        file_status={"tweets_more.jsonl": "refused_outside_drop"},
    ),
    Case(
        "record_file_a_fifo",
        _fifo("tweets_more.jsonl"),
        None,
        file_status={"tweets_more.jsonl": "refused_not_regular"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_quarantined_and_good_rows_survive(tmp_path, case):
    drop = write_good_drop(tmp_path / "drop")
    outside = write_outside(tmp_path / "outside")
    case.plant(drop, outside)

    started = time.monotonic()
    with recorded_opens() as opened, unblocking_fifos(drop, after_seconds=30):
        batch = read_raw_batch(open_raw_source(str(drop)), limits=IngestLimits(**case.limits))
    assert time.monotonic() - started < 25, "a FIFO blocked the reader"

    quarantine = batch.quarantine
    if case.reason is None:
        assert quarantine.empty, quarantine.to_dict("records")
    else:
        assert list(quarantine["reason"]) == [case.reason], quarantine.to_dict("records")
        assert quarantine["record_id"].iloc[0] == case.record_id
        assert all(len(text or "") <= 2_100 for text in quarantine["raw_text"])
    status = batch.files.set_index("path")["status"]
    for path, expected in case.file_status.items():
        assert status[path] == expected
    for name, keys in GOOD_KEYS.items():
        columns = list(TABLE_KEYS[name])
        found = {tuple(row) for row in batch.tables[name][columns].itertuples(index=False)}
        assert found == keys | case.extra_keys.get(name, set()), name
    outside_root = os.path.realpath(outside)
    assert not [p for p in opened if p.startswith(outside_root) or p == "/dev/zero"]


def test_an_unexpected_error_in_one_record_is_quarantined(tmp_path, monkeypatch):
    drop = write_good_drop(tmp_path / "drop")
    append_line(drop, "users.jsonl", user("7"))
    parse_user = collector_module.PARSERS["users"]

    def failing(obj: dict) -> dict:
        if obj["id"] == "7":
            raise KeyError("surprise")
        return parse_user(obj)

    monkeypatch.setitem(collector_module.PARSERS, "users", failing)
    batch = read_raw_batch(open_raw_source(str(drop)), limits=IngestLimits())
    row = batch.quarantine.iloc[0]
    assert (row["reason"], row["record_id"], len(batch.quarantine)) == ("invalid_record", "7", 1)
    assert "KeyError" in row["message"]
    assert set(batch.tables["users"]["user_id"]) == {"1", "2"}


def test_with_a_manifest_only_its_files_are_read(tmp_path):
    drop = write_good_drop(tmp_path / "drop")
    listed = sorted(p.relative_to(drop).as_posix() for p in drop.rglob("*") if p.is_file())
    (drop / "tweets_extra.jsonl").write_text(json.dumps(tweet("600", "1", None)) + "\n")
    manifest = {"collected_at": "2026-02-01T00:00:00Z", "files": {p: {} for p in listed}}
    (drop / "manifest.json").write_text(json.dumps(manifest))

    batch = read_raw_batch(open_raw_source(str(drop)), limits=IngestLimits())

    assert batch.files.set_index("path")["status"]["tweets_extra.jsonl"] == "unexpected"
    assert set(batch.tables["tweets"]["tweet_id"]) == {"100", "101", "102"}
