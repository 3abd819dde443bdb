"""DSN's chronological post window (paper 004 §3.1): which posts precede each target post.

For a target post ``p_i`` the paper feeds ``P_i = (p_{i-l+1}, …, p_{i-1}, p_i)``: the ``l − 1``
posts published just before it, by any user, in time order, then the target itself. Here the
posts come from a *history* frame (for training, every filtered tweet; for a new tweet, the
stored tweets). Posts are ordered by ``created_at`` then ``tweet_id`` (the order
``image_tweets`` is stored in); a history post precedes the target when its
``(created_at, tweet_id)`` is strictly smaller, so a target never sees itself or any later post,
and two posts at the same instant are ordered by id. Where fewer than ``l − 1`` posts precede
the target the window is left-padded (row ``-1``, mask ``False``).

The search is a binary search per target over the sorted history: ``O((N + B) log N)`` time and
``O(N)`` memory for ``N`` history posts, whatever the world's size.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
import pandas as pd

PADDING_ROW = -1  # window slot with no post


def chronological_history(history: pd.DataFrame) -> pd.DataFrame:
    """``history`` sorted by ``created_at`` then ``tweet_id`` (as strings), index reset."""
    ordered = history.assign(tweet_id=history["tweet_id"].astype(str))
    ordered = ordered.assign(created_at=pd.to_datetime(ordered["created_at"]))
    return ordered.sort_values(["created_at", "tweet_id"], kind="mergesort").reset_index(drop=True)


def _keys(frame: pd.DataFrame) -> list[tuple[int, str]]:
    instants = pd.to_datetime(frame["created_at"]).to_numpy("datetime64[ns]").astype(np.int64)
    return list(zip(instants.tolist(), frame["tweet_id"].astype(str).tolist(), strict=True))


def preceding_post_rows(
    ordered_history: pd.DataFrame, targets: pd.DataFrame, count: int
) -> np.ndarray:
    """Rows of ``ordered_history`` of the ``count`` posts just before each target.

    Args:
        ordered_history: the output of :func:`chronological_history`.
        targets: frame with ``tweet_id`` and ``created_at``, one row per target post.
        count: posts to take before each target (``l − 1``); 0 gives an empty window.

    Returns:
        int64 ``[len(targets), count]``: history rows oldest first, the most recent preceding
        post in the last column; :data:`PADDING_ROW` on the left where fewer posts precede.
    """
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    history_keys = _keys(ordered_history)
    if history_keys != sorted(history_keys):
        raise ValueError("history is not in chronological order; use chronological_history")
    window = np.full((len(targets), count), PADDING_ROW, dtype=np.int64)
    if count == 0:
        return window
    for position, key in enumerate(_keys(targets)):
        end = bisect_left(history_keys, key)  # posts strictly before the target
        start = max(0, end - count)
        window[position, count - (end - start) :] = np.arange(start, end)
    return window
