"""Text views of a tweet shared by training and serving, so both see the same strings."""

from __future__ import annotations

from collections.abc import Sequence

MAX_CONTEXT_COMMENTS = 3  # AMNL §III-A-3: four sentences per tweet, the caption and 3 comments
SENTENCE_SEPARATOR = " . "


def context_text(
    caption: str, comments: Sequence[str], max_comments: int = MAX_CONTEXT_COMMENTS
) -> str:
    """The caption followed by its first comments (in time order), as AMNL's textual context."""
    parts = [caption.strip(), *(comment.strip() for comment in list(comments)[:max_comments])]
    return SENTENCE_SEPARATOR.join(part for part in parts if part)
