"""Hours elapsed far outside a regression model's training range are flagged."""

from datetime import UTC, datetime

import pandas as pd
import pytest

from pop_pipeline.scoring.observation_range import far_outside, hours_elapsed, range_warning

TWEETS = pd.DataFrame(
    {
        "tweet_id": ["1", "2", "3"],
        "created_at": ["2026-03-01T00:00:00.000Z", "2026-03-01T12:00:00Z", "2026-03-02T00:00:00"],
    }
)
TRAINED = (20.0, 40.0)  # the margin is a tenth of the width: 18 to 42 hours are near


def test_hours_elapsed_count_from_posting_and_never_go_negative():
    observed = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert hours_elapsed(TWEETS["created_at"], observed).tolist() == [36.0, 24.0, 12.0]
    early = datetime(2026, 2, 28, tzinfo=UTC)
    assert hours_elapsed(TWEETS["created_at"], early).tolist() == [0.0, 0.0, 0.0]


def test_far_outside_keeps_the_tweets_beyond_the_margin():
    inside = far_outside(TWEETS, datetime(2026, 3, 2, 18, tzinfo=UTC), TRAINED)  # 42, 30, 18 h
    assert inside.empty
    later = far_outside(TWEETS, datetime(2026, 3, 2, 19, tzinfo=UTC), TRAINED)  # 43, 31, 19 h
    assert later["tweet_id"].tolist() == ["1"]
    assert later["hours_elapsed"].tolist() == [pytest.approx(43.0)]
    far = far_outside(TWEETS, datetime(2026, 12, 1, tzinfo=UTC), TRAINED)
    assert far["tweet_id"].tolist() == ["1", "2", "3"]


def test_the_warning_names_the_tweets_and_the_range():
    observed = datetime(2026, 3, 2, 12, tzinfo=UTC)
    outside = pd.DataFrame({"tweet_id": [str(i) for i in range(7)], "hours_elapsed": 100.0})
    line = range_warning("pop-dsn", observed, outside, TRAINED)
    assert line == (
        "warning: observed at 2026-03-02T12:00:00+00:00, 7 tweets (0, 1, 2, 3, 4 and 2 more) "
        "are 100.0 hours old, far outside the 20.0 to 40.0 hours elapsed pop-dsn was trained "
        "on: the prediction extrapolates (set --observed-at)"
    )
