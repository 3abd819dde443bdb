"""A failed expectation keeps its count, share and a few offending ids, as JSON and one line."""

import json

import pandas as pd

from pop_pipeline.defs.quality import suite_check_result
from pop_pipeline.quality.failure_lines import FAILED_EXPECTATIONS_KEY, failed_expectation_line
from pop_pipeline.quality.gx_validation import gxe, validate_frame

TWEETS = pd.DataFrame(
    {
        "tweet_id": ["10", "11", "12", "12", "14"],
        "like_count": [1, -2, 3, -4, 5],
        "created_at": pd.to_datetime(
            ["2020-01-01", "2099-01-01", "2020-01-02", "2020-01-03", None]
        ),
    }
)


def expectations() -> list[gxe.Expectation]:
    """Fresh each time: GX binds an expectation to the suite it is added to."""
    return [
        gxe.ExpectColumnValuesToBeBetween(column="like_count", min_value=0),
        gxe.ExpectColumnValuesToBeUnique(column="tweet_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_at"),
        gxe.ExpectColumnValuesToBeBetween(
            column="created_at", max_value=pd.Timestamp("2021-01-01")
        ),
        gxe.ExpectTableRowCountToBeBetween(min_value=10),
    ]


def test_failed_expectations_name_the_offending_ids():
    outcome = validate_frame(TWEETS, "tweets", expectations(), id_column="tweet_id")
    assert not outcome.success
    failed = {(o.expectation, o.column): o.summary() for o in outcome.failed}
    negative = failed["expect_column_values_to_be_between", "like_count"]
    assert negative["unexpected_count"] == 2
    assert negative["unexpected_percent"] == 40.0
    assert negative["id_column"] == "tweet_id"
    assert negative["example_ids"] == ["11", "12"]
    assert negative["example_values"] == [-2, -4]
    assert failed["expect_column_values_to_be_unique", "tweet_id"]["example_ids"] == ["12", "12"]
    assert failed["expect_column_values_to_not_be_null", "created_at"]["example_ids"] == ["14"]
    future = failed["expect_column_values_to_be_between", "created_at"]
    assert future["example_ids"] == ["11"]
    assert future["example_values"] == ["2099-01-01T00:00:00"]
    assert failed["expect_table_row_count_to_be_between", None]["observed_value"] == 5
    json.dumps(list(failed.values()))  # plain JSON: it goes into the check's metadata


def test_without_an_id_column_no_ids_are_listed():
    outcome = validate_frame(TWEETS, "tweets", expectations()[:1])
    [failed] = outcome.failed
    assert failed.summary()["example_ids"] == []
    assert failed_expectation_line(failed.summary()).endswith("e.g. values -2, -4")


def test_one_line_per_failed_expectation():
    summary = {
        "expectation": "expect_column_values_to_be_between",
        "column": "created_at",
        "unexpected_count": 3,
        "unexpected_percent": 0.6,
        "id_column": "tweet_id",
        "example_ids": ["7", "8", None],
        "example_values": ["2099-01-01T00:00:00"] * 3,
        "observed_value": None,
    }
    assert failed_expectation_line(summary) == (
        "expect_column_values_to_be_between(created_at): 3 unexpected (0.6 %), "
        "e.g. tweet_id 7, 8, null"
    )
    row_count = {
        "expectation": "expect_table_row_count_to_be_between",
        "column": None,
        "unexpected_count": None,
        "observed_value": 0,
    }
    assert failed_expectation_line(row_count) == "expect_table_row_count_to_be_between: observed 0"


def test_the_check_result_carries_the_failed_expectations_as_json():
    outcome = validate_frame(TWEETS, "tweets", expectations(), id_column="tweet_id")
    result = suite_check_result(outcome)
    assert not result.passed
    listed = result.metadata[FAILED_EXPECTATIONS_KEY].value
    assert [(item["expectation"], item["column"]) for item in listed] == [
        (o.expectation, o.column) for o in outcome.failed
    ]
    assert len(listed) == 5
    not_null = [gxe.ExpectColumnValuesToNotBeNull(column="tweet_id")]
    passing = suite_check_result(validate_frame(TWEETS, "tweets", not_null, id_column="tweet_id"))
    assert passing.passed and passing.metadata[FAILED_EXPECTATIONS_KEY].value == []
