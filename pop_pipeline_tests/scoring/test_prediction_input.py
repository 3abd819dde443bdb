"""Reading ``pop predict``'s input: unreadable files are usage errors; skipped lines name
their line number and tweet."""

import json

import pytest

from pop_pipeline.scoring.prediction_input import read_prediction_input, skipped_line
from pop_pipeline.usage_error import UsageError


def _tweet(tweet_id: str, key: str) -> str:
    return json.dumps(
        {
            "id": tweet_id,
            "author_id": "7",
            "created_at": "2026-03-01T11:30:00.000Z",
            "text": "a cat",
            "attachments": {"media_keys": [key]},
        }
    )


def test_skipped_lines_name_the_line_as_an_integer_and_the_tweet(tmp_path):
    source = tmp_path / "input.jsonl"
    lines = [
        json.dumps({"media_key": "k1", "type": "photo", "url": "a.png"}),
        "",
        _tweet("123", "k1"),
        "{broken",
        _tweet("124", "k404"),  # names no media object of the input
    ]
    source.write_text("\n".join(lines) + "\n")

    parsed = read_prediction_input(source)

    assert list(parsed.tweets["tweet_id"]) == ["123"]
    assert parsed.lines == {"123": 3, "124": 5}
    assert parsed.where("123") == "input.jsonl line 3 (tweet 123)"
    messages = [skipped_line(row) for row in parsed.quarantine.itertuples()]
    assert messages[0].startswith("input.jsonl line 4: invalid_json: Expecting property name")
    assert messages[1] == (
        "input.jsonl line 5 (tweet 124): image_unresolved: "
        "no attached photo among the input's media objects"
    )


def test_a_line_that_is_not_utf8_is_named(tmp_path):
    source = tmp_path / "input.jsonl"
    source.write_bytes(_tweet("1", "k").encode() + b"\n" + b'{"id": "2\xff"}\n')
    with pytest.raises(
        UsageError, match=r"input.jsonl line 2 is not UTF-8 \(byte 0xff at column 10\)"
    ):
        read_prediction_input(source)


def test_a_missing_file_or_a_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"input file .*nope\.jsonl does not exist"):
        read_prediction_input(tmp_path / "nope.jsonl")
    with pytest.raises(UsageError, match="is a directory, not a JSON Lines file"):
        read_prediction_input(tmp_path)
