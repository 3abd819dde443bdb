"""What every registered ranking model returns: one row per input row, in input order.

Columns (:data:`RANKING_OUTPUT_COLUMNS`): ``user_id``, ``tweet_id``, ``score`` (float; higher
means more likely to be retweeted by that user; NaN when the row could not be scored),
``user_known`` (false when the model has no trained representation of the user, who is then
scored as its cold/unknown user; always true for a model that does not personalise, such as
popularity), ``reason`` (empty when scored, else a quarantine reason code such as
``media_missing`` or ``image_decode_error``) and ``message``. Like the regression models'
output, an unreadable photo costs only its own rows, never the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RANKING_OUTPUT_COLUMNS = ("user_id", "tweet_id", "score", "user_known", "reason", "message")
Skipped = dict[int, tuple[str, str]]  # row position -> (reason code, message)


@dataclass(frozen=True)
class RowScores:
    """One score per input row (NaN where skipped) and why each skipped row was skipped."""

    scores: np.ndarray
    skipped: Skipped = field(default_factory=dict)


def unreadable_photos(uris: pd.Series, failed: list[tuple[int, str]]) -> Skipped:
    """``{position: (reason, message)}`` of the photos an encoder could not read.

    Args:
        uris: the ``media_uri`` column the encoder read, in its order.
        failed: the encoder's ``(position, reason)`` pairs (``EncodedImages.failed``).
    """
    return {
        int(position): (reason, f"the photo {uris.iloc[position]} could not be read")
        for position, reason in failed
    }


def rows_of_tweets(rows: np.ndarray, skipped_tweets: Skipped) -> Skipped:
    """The rows whose tweet (``rows[i]``: its position among distinct tweets) was skipped."""
    return {
        int(row): skipped_tweets[int(tweet)]
        for row, tweet in enumerate(rows)
        if int(tweet) in skipped_tweets
    }


def readable_tweet_index(n_tweets: int, skipped_tweets: Skipped) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, new_position)``: the positions of the tweets kept and, for every tweet, its
    position among the kept ones (-1 when skipped), to score only readable tweets."""
    keep = np.ones(n_tweets, dtype=bool)
    keep[list(skipped_tweets)] = False
    kept = np.flatnonzero(keep)
    new_position = np.full(n_tweets, -1, dtype=np.int64)
    new_position[kept] = np.arange(len(kept))
    return kept, new_position


def score_readable(
    total: int, skipped: Skipped, score: Callable[[np.ndarray], np.ndarray]
) -> RowScores:
    """Scores of the ``total`` rows: ``score(mask)`` for the rows not in ``skipped`` (the mask
    selects them), NaN for the others. ``score`` is not called when no row is left."""
    mask = np.ones(total, dtype=bool)
    mask[list(skipped)] = False
    scores = np.full(total, np.nan, dtype=np.float64)
    if mask.any():
        scores[mask] = np.asarray(score(mask), dtype=np.float64).reshape(-1)
    return RowScores(scores=scores, skipped=skipped)


def ranking_output(
    frame: pd.DataFrame, scored: RowScores, known_users: Collection[str] | None
) -> pd.DataFrame:
    """The output frame of the typed ranking input ``frame`` (see the module docstring).

    ``known_users``: the user ids the model was trained with; ``None``: it does not personalise.
    """
    known = set(known_users) if known_users is not None else None
    reasons = [scored.skipped.get(row, ("", ""))[0] for row in range(len(frame))]
    messages = [scored.skipped.get(row, ("", ""))[1] for row in range(len(frame))]
    return pd.DataFrame(
        {
            "user_id": frame["user_id"].astype(str).to_numpy(),
            "tweet_id": frame["tweet_id"].astype(str).to_numpy(),
            "score": np.asarray(scored.scores, dtype=np.float64),
            "user_known": [known is None or str(u) in known for u in frame["user_id"]],
            "reason": reasons,
            "message": messages,
        }
    )[list(RANKING_OUTPUT_COLUMNS)]
