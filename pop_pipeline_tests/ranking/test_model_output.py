"""The ranking models' output frame: unreadable rows keep their place with NaN and a reason."""

import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ranking.model_output import (
    RANKING_OUTPUT_COLUMNS,
    RowScores,
    ranking_output,
    readable_tweet_index,
    rows_of_tweets,
    score_readable,
    unreadable_photos,
)


def test_score_readable_scores_only_the_readable_rows_in_place():
    seen = []

    def score(mask):
        seen.append(mask.copy())
        return np.array([10.0, 30.0])

    scored = score_readable(3, {1: ("media_missing", "gone")}, score)
    assert seen[0].tolist() == [True, False, True]
    np.testing.assert_array_equal(scored.scores, [10.0, np.nan, 30.0])
    assert scored.skipped == {1: ("media_missing", "gone")}


def test_score_readable_does_not_call_the_model_when_nothing_is_left():
    def score(mask):
        raise AssertionError("called with no row")

    scored = score_readable(1, {0: ("media_missing", "gone")}, score)
    assert np.isnan(scored.scores).all()


def test_unreadable_tweets_map_to_their_rows_and_are_dropped_from_the_tables():
    uris = pd.Series(["a.png", "b.png", "c.png"])
    skipped = unreadable_photos(uris, [(1, "media_undecodable")])
    assert skipped == {1: ("media_undecodable", "the photo b.png could not be read")}
    rows = np.array([0, 1, 2, 1, 0])  # row -> distinct tweet
    assert rows_of_tweets(rows, skipped) == {
        1: skipped[1],
        3: skipped[1],
    }
    kept, position = readable_tweet_index(3, skipped)
    assert kept.tolist() == [0, 2]
    assert position.tolist() == [0, -1, 1]


def test_ranking_output_columns_and_unknown_users():
    frame = pd.DataFrame({"user_id": ["1", "2"], "tweet_id": ["9", "9"]})
    scored = RowScores(np.array([0.5, np.nan]), {1: ("media_missing", "gone")})
    out = ranking_output(frame, scored, known_users=["1"])
    assert tuple(out.columns) == RANKING_OUTPUT_COLUMNS
    assert out["user_known"].tolist() == [True, False]
    assert out["reason"].tolist() == ["", "media_missing"]
    assert out["message"].tolist() == ["", "gone"]
    assert out["score"].iloc[0] == pytest.approx(0.5) and np.isnan(out["score"].iloc[1])
    # a model that does not personalise knows every user
    assert ranking_output(frame, scored, known_users=None)["user_known"].all()
