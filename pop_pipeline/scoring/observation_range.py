"""Is a regression prediction's ``observed_at`` within the hours elapsed the model learned?

A regression model reads the hours from posting to ``observed_at`` (Hybrid CNN, the SVRs and
gbdt directly; UHAN and DSN through their observation-context term). Its package records the
range of hours elapsed of its training tweets (``RegressionPackage.training_hours_elapsed``);
a tweet whose hours elapsed lie far outside it — beyond the range by more than
:data:`FAR_MARGIN` of its width — is extrapolated, and ``pop predict`` says so.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from pop_pipeline.regression.data.new_tweet_inputs import naive_utc

FAR_MARGIN = 0.1  # a tenth of the training range's width on either side is still "near"
SHOWN_IDS = 5  # tweet ids named in the warning; the rest are counted


def hours_elapsed(created_at: pd.Series, observed_at: datetime) -> pd.Series:
    """Hours from each ``created_at`` to ``observed_at`` (never negative), as the package
    computes them (``new_tweet_frame``)."""
    posted = pd.to_datetime(created_at.map(naive_utc))
    return ((naive_utc(observed_at) - posted).dt.total_seconds() / 3600.0).clip(lower=0.0)


def far_outside(
    tweets: pd.DataFrame, observed_at: datetime, training: tuple[float, float]
) -> pd.DataFrame:
    """``tweet_id``, ``hours_elapsed`` of the tweets whose hours elapsed at ``observed_at``
    lie far outside ``training`` (min, max)."""
    low, high = training
    margin = FAR_MARGIN * (high - low)
    hours = hours_elapsed(tweets["created_at"], observed_at)
    outside = ((hours < low - margin) | (hours > high + margin)).to_numpy()
    return pd.DataFrame(
        {
            "tweet_id": tweets["tweet_id"].astype(str).to_numpy()[outside],
            "hours_elapsed": hours.to_numpy()[outside],
        }
    )


def range_warning(
    model: str, observed_at: datetime, outside: pd.DataFrame, training: tuple[float, float]
) -> str:
    """One line: which tweets are extrapolated, their hours elapsed and the training range."""
    ids = list(outside["tweet_id"])
    named = ", ".join(ids[:SHOWN_IDS]) + (
        f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    )
    hours = outside["hours_elapsed"]
    span = (
        f"{hours.min():,.1f} hours"
        if hours.min() == hours.max()
        else f"{hours.min():,.1f} to {hours.max():,.1f} hours"
    )
    return (
        f"warning: observed at {observed_at.isoformat()}, {len(ids)} tweet"
        f"{'s' if len(ids) != 1 else ''} ({named}) {'are' if len(ids) != 1 else 'is'} {span} "
        f"old, far outside the {training[0]:,.1f} to {training[1]:,.1f} hours elapsed {model} was "
        "trained on: the prediction extrapolates (set --observed-at)"
    )
