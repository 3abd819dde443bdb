"""The D-Sempre time-based split: each user's most recent actions are the test (paper 003 §4.1).

The paper: "we adopt a time-based evaluation. For each user, we use her/his most recent 500
retweets as the test set, with the rest for training." Its users were chosen to be very active
(at least 500 tweets, timelines of up to 3,200); ours act about 9 times each (WORLD.md), so the
number of test actions per user is configurable, either as a count (``test_actions``; the paper's
is :data:`PAPER_TEST_ACTIONS`) or as a share of the user's actions (``test_fraction``, default
:data:`DEFAULT_TEST_FRACTION`, rounded up: ``ceil(test_fraction · n)``).

Departures (the paper's users all had far more than 500 actions, so it needs neither):

- a user keeps at least ``min_train_actions`` actions in training: the test share is capped at
  ``n − min_train_actions``; a user with ``n <= min_train_actions`` actions is train only;
- ties in time are broken by ``retweet_id`` (when present), then ``tweet_id``: of two actions
  at the same time, the one sorting last counts as the more recent, as in the AMNL split
  (:mod:`pop_pipeline.ranking.data.chronological_splits`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAPER_TEST_ACTIONS = 500
DEFAULT_TEST_FRACTION = 0.2
ROUNDING_EPSILON = 1e-9  # guards ceil() against 0.29 * 100 = 28.999999999999996


def _test_counts(
    n_actions: np.ndarray,
    test_actions: int | None,
    test_fraction: float | None,
    min_train_actions: int,
) -> np.ndarray:
    """Test actions per user before and after the cap that keeps ``min_train_actions``."""
    if test_actions is not None:
        wanted = np.full(len(n_actions), test_actions, dtype=np.int64)
    else:
        fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
        wanted = np.ceil(fraction * n_actions - ROUNDING_EPSILON).astype(np.int64)
    return np.clip(np.minimum(wanted, n_actions - min_train_actions), 0, None)


def recent_action_splits(
    actions: pd.DataFrame,
    *,
    test_actions: int | None = None,
    test_fraction: float | None = None,
    min_train_actions: int = 1,
) -> pd.DataFrame:
    """Each action labelled ``train`` or ``test`` by the D-Sempre split; see the module docstring.

    Args:
        actions: one row per action: ``user_id``, ``tweet_id``, ``retweeted_at`` and optionally
            ``retweet_id`` (the tie-break).
        test_actions: the most recent ``test_actions`` actions of each user are test (the
            paper: 500). Give this or ``test_fraction``, not both.
        test_fraction: the most recent ``ceil(test_fraction · n)`` of a user's n actions are
            test; the default when neither is given is :data:`DEFAULT_TEST_FRACTION`.
        min_train_actions: actions each user keeps in training (at least 0).

    Returns:
        The actions' ``[retweet_id,] user_id, tweet_id, retweeted_at`` plus ``recency_rank``
        (0 = the user's most recent action) and ``split``, sorted by user, then oldest first.
    """
    if test_actions is not None and test_fraction is not None:
        raise ValueError("give test_actions or test_fraction, not both")
    if test_actions is not None and test_actions < 0:
        raise ValueError(f"test_actions must be at least 0, got {test_actions}")
    if test_fraction is not None and not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be in [0, 1], got {test_fraction}")
    if min_train_actions < 0:
        raise ValueError(f"min_train_actions must be at least 0, got {min_train_actions}")
    tie_breaks = [c for c in ("retweet_id", "tweet_id") if c in actions.columns]
    columns = [c for c in ("retweet_id",) if c in actions.columns]
    columns += ["user_id", "tweet_id", "retweeted_at"]
    times = pd.to_datetime(actions["retweeted_at"], utc=True, format="ISO8601")
    if times.isna().any():
        raise ValueError("missing timestamps in 'retweeted_at'")
    ordered = (
        actions[columns]
        .assign(_t=times)
        .sort_values(["user_id", "_t", *tie_breaks], kind="stable")
        .reset_index(drop=True)
    )
    n_actions = ordered.groupby("user_id", sort=False)["user_id"].transform("size").to_numpy()
    position = ordered.groupby("user_id", sort=False).cumcount().to_numpy()
    recency_rank = n_actions - 1 - position
    n_test = _test_counts(n_actions, test_actions, test_fraction, min_train_actions)
    split = np.where(recency_rank < n_test, "test", "train")
    return ordered.drop(columns="_t").assign(recency_rank=recency_rank, split=split)
