"""The input every registered ranking model accepts: one row per (user, raw tweet) pair.

Columns (strings unless noted): ``user_id`` (who might retweet), ``tweet_id``, ``author_id``,
``created_at`` (ISO 8601), ``text`` (the caption), ``comments`` (the tweet's replies in time
order, one per line; may be empty), ``media_uri`` (local path or ``s3://`` URI of the photo),
``author_followers_count`` (integer). Output: :mod:`pop_pipeline.ranking.model_output`, one
row per input row with its float ``score`` (higher means more likely to be retweeted by that
user; NaN, with a ``reason``, when the row's photo cannot be read).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pop_pipeline.ml.features.tweet_text import context_text

RANKING_INPUT_COLUMNS = (
    "user_id",
    "tweet_id",
    "author_id",
    "created_at",
    "text",
    "comments",
    "media_uri",
    "author_followers_count",
)


def ranking_input_frame(candidates: pd.DataFrame) -> pd.DataFrame:
    """Select and type the input columns from a frame that has at least them.

    ``comments`` may also be given as a list per row; it is joined one comment per line.
    """
    missing = [column for column in RANKING_INPUT_COLUMNS if column not in candidates.columns]
    if missing:
        raise ValueError(f"ranking input lacks columns: {', '.join(missing)}")
    frame = candidates[list(RANKING_INPUT_COLUMNS)].copy()
    for column in RANKING_INPUT_COLUMNS:
        if column == "author_followers_count":
            frame[column] = frame[column].fillna(0).astype(np.int64)
        elif column == "comments":
            frame[column] = frame[column].map(
                lambda value: (
                    "\n".join(value)
                    if isinstance(value, list | np.ndarray)
                    else ("" if value is None or value != value else str(value))
                )
            )
        elif column == "created_at":
            frame[column] = frame[column].map(
                lambda value: pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            )
        else:
            frame[column] = frame[column].astype(str)
    return frame.reset_index(drop=True)


def context_texts(frame: pd.DataFrame) -> list[str]:
    """AMNL's textual context of each row: caption plus its first comments."""
    return [
        context_text(text, [line for line in comments.split("\n") if line])
        for text, comments in zip(frame["text"], frame["comments"], strict=True)
    ]


def amnl_text_vectors(caption: np.ndarray, context: np.ndarray) -> np.ndarray:
    """One text vector per tweet: the element-wise max over its sentence embeddings.

    AMNL max-pools the embeddings of a tweet's caption and comments (§II-B). We encode two
    views with the CLIP text tower — the caption alone and the caption with its comments — and
    max-pool those two vectors.
    """
    return np.maximum(caption, context).astype(np.float32)
