import numpy as np
import pandas as pd
import pytest

from pop_pipeline.regression.data.sequence_window import (
    chronological_history,
    preceding_post_rows,
)

# Five posts by three users; "1" and "2" share an instant (ordered by id). Given shuffled.
HISTORY = pd.DataFrame(
    {
        "tweet_id": ["4", "2", "5", "1", "3"],
        "author_id": ["c", "b", "b", "a", "a"],
        "created_at": pd.to_datetime(
            [
                "2026-03-01 12:00",
                "2026-03-01 10:00",
                "2026-03-01 13:00",
                "2026-03-01 10:00",
                "2026-03-01 11:00",
            ]
        ),
    }
)


def test_history_is_ordered_by_time_then_id():
    assert chronological_history(HISTORY)["tweet_id"].tolist() == ["1", "2", "3", "4", "5"]


def test_each_post_sees_the_posts_strictly_before_it_across_users_left_padded():
    ordered = chronological_history(HISTORY)
    window = preceding_post_rows(ordered, ordered, 3)
    assert window.tolist() == [
        [-1, -1, -1],  # "1": nothing before (its twin "2" has a larger id)
        [-1, -1, 0],  # "2": "1" at the same instant, smaller id
        [-1, 0, 1],  # "3": user a sees user b's "2" too
        [0, 1, 2],
        [1, 2, 3],  # "5": the three most recent, oldest first; never itself or later
    ]


def test_a_new_tweet_sees_the_stored_posts_before_its_time():
    ordered = chronological_history(HISTORY)
    targets = pd.DataFrame(
        {
            "tweet_id": ["9", "0", "6"],
            "created_at": pd.to_datetime(
                ["2026-03-01 11:00", "2026-03-01 10:00", "2026-03-01 12:30"]
            ),
        }
    )
    window = preceding_post_rows(ordered, targets, 2)
    # "9" at 11:00: "1", "2", "3" ("3" < "9") precede -> last two; "0" at 10:00: none;
    # "6" at 12:30: "4" is the latest before it.
    assert window.tolist() == [[1, 2], [-1, -1], [2, 3]]


def test_window_of_length_one_has_no_preceding_post():
    ordered = chronological_history(HISTORY)
    assert preceding_post_rows(ordered, ordered, 0).shape == (5, 0)


def test_unsorted_history_is_refused():
    with pytest.raises(ValueError, match="chronological"):
        preceding_post_rows(HISTORY, HISTORY, 2)


def test_an_empty_history_pads_every_slot():
    window = preceding_post_rows(HISTORY.iloc[:0], HISTORY, 2)
    assert window.dtype == np.int64 and window.tolist() == [[-1, -1]] * 5
