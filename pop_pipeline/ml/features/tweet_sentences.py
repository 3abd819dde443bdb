"""AMNL+'s textual context: a fixed number of short sentences per tweet (paper 000 §III-A-3).

The paper keeps four sentences of twelve words for each image tweet, taken from its caption
and comments, and pads a tweet with fewer by duplicating the last one. We build the sentence
list the same way, from the caption first and then the comments in time order:

- a text is split into sentences after ``.``, ``!`` or ``?`` followed by whitespace, and at
  line breaks; whitespace inside a sentence is collapsed to single spaces;
- a "word" is a whitespace-separated token (hashtags and emoji count as words), and a sentence
  keeps its first ``max_words`` words;
- sentences with no letter or digit (punctuation or emoji only) are dropped, as the paper
  filters emoji and interjections; emoji inside a sentence are kept (the CLIP tokenizer reads
  them), which departs from the paper's filtering;
- the paper's ``<unk>``/``<eos>`` tokens and 12,500-word vocabulary belong to its GloVe+LSTM
  encoder; the CLIP tokenizer replaces them.

A tweet with no usable sentence gets the empty string in every slot and a count of 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SENTENCES = 4  # paper 000 §III-A-3: four sentences per image tweet
MAX_SENTENCE_WORDS = 12  # paper 000 §III-A-3: each sentence is 12 words long

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_HAS_WORD = re.compile(r"[^\W_]")  # a letter or a digit, in any script


@dataclass(frozen=True)
class TweetSentences:
    """The sentence slots of one tweet."""

    sentences: tuple[str, ...]  # exactly max_sentences texts; slots from `count` on repeat the last
    count: int  # true sentences, 0..max_sentences (0: every slot is the empty text)


def split_sentences(text: str) -> list[str]:
    """Sentences of one text, in order, whitespace collapsed, punctuation-only pieces dropped."""
    sentences = []
    for piece in _SENTENCE_BREAK.split(text):
        sentence = " ".join(piece.split())
        if _HAS_WORD.search(sentence):
            sentences.append(sentence)
    return sentences


def tweet_sentences(
    caption: str,
    comments: Sequence[str] | str | None,
    *,
    max_sentences: int = MAX_SENTENCES,
    max_words: int = MAX_SENTENCE_WORDS,
) -> TweetSentences:
    """The first ``max_sentences`` sentences of the caption then the comments, padded.

    Args:
        caption: the tweet's text.
        comments: its replies in time order: a sequence of texts, or one string with one reply
            per line (the ranking input's ``comments`` column), or ``None``.
        max_sentences: slots per tweet (paper: 4).
        max_words: words kept per sentence (paper: 12).
    """
    if max_sentences < 1 or max_words < 1:
        raise ValueError("max_sentences and max_words must be at least 1")
    if comments is None:
        comments = []
    elif isinstance(comments, str):
        comments = [comments]
    kept: list[str] = []
    for text in [caption or "", *comments]:
        for sentence in split_sentences(str(text)):
            kept.append(" ".join(sentence.split()[:max_words]))
            if len(kept) == max_sentences:
                return TweetSentences(sentences=tuple(kept), count=max_sentences)
    count = len(kept)
    last = kept[-1] if kept else ""
    padded = (*kept, *([last] * (max_sentences - count)))
    return TweetSentences(sentences=padded, count=count)
