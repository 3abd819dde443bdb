import numpy as np
import pandas as pd
import pytest

from pop_pipeline.regression.data.user_features import (
    USER_FEATURE_DIM,
    UserFeatureScaler,
)


def _frame() -> pd.DataFrame:
    """Two authors. With two rows the population std is half the gap, so every feature that
    differs z-scores to exactly -1 and +1."""
    return pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-03-10 12:30", "2026-01-31 05:00"]),
            "author_created_at": pd.to_datetime(["2026-03-01 12:30", "2026-01-30 05:00"]),
            "author_followers_count": [0, 3],  # log1p: 0 and ln 4
            "author_following_count": [7, 1],  # log1p: ln 8 and ln 2
            "author_tweet_count": [5, 5],  # no spread: std taken as 1, z = 0
            "author_listed_count": [2, 0],
        }
    )


def test_scaler_statistics_are_log1p_counts_and_account_age_in_days():
    scaler = UserFeatureScaler.fit(_frame())
    # account ages: 9 days and 1 day -> mean 5, std 4
    expected_means = [np.log(4) / 2, (np.log(8) + np.log(2)) / 2, np.log(6), np.log(3) / 2, 5.0]
    expected_stds = [np.log(4) / 2, (np.log(8) - np.log(2)) / 2, 1.0, np.log(3) / 2, 4.0]
    assert scaler.means == pytest.approx(expected_means)
    assert scaler.stds == pytest.approx(expected_stds)


def test_user_features_are_z_scores_then_month_day_hour_one_hots():
    features = UserFeatureScaler.fit(_frame()).transform(_frame())
    assert features.shape == (2, USER_FEATURE_DIM) == (2, 72)
    np.testing.assert_allclose(features[0, :5], [-1, 1, 0, 1, 1], atol=1e-6)
    np.testing.assert_allclose(features[1, :5], [1, -1, 0, -1, -1], atol=1e-6)
    # columns 5..16 month, 17..47 day of month, 48..71 hour
    # row 0: March -> 5 + 2 = 7; the 10th -> 17 + 9 = 26; 12 h -> 48 + 12 = 60
    # row 1: January -> 5; the 31st -> 17 + 30 = 47; 5 h -> 48 + 5 = 53
    assert np.flatnonzero(features[0, 5:]).tolist() == [7 - 5, 26 - 5, 60 - 5]
    assert np.flatnonzero(features[1, 5:]).tolist() == [0, 47 - 5, 53 - 5]
    assert features[:, 5:].sum(axis=1).tolist() == [3.0, 3.0]


def test_unknown_numbers_become_the_training_mean():
    scaler = UserFeatureScaler.fit(_frame())
    unseen = _frame().iloc[:1].copy()
    unseen[["author_following_count", "author_tweet_count", "author_listed_count"]] = np.nan
    unseen["author_created_at"] = pd.NaT
    features = scaler.transform(unseen)
    np.testing.assert_allclose(features[0, :5], [-1, 0, 0, 0, 0], atol=1e-6)


def test_json_round_trip():
    scaler = UserFeatureScaler.fit(_frame())
    assert UserFeatureScaler.from_json(scaler.to_json()) == scaler
