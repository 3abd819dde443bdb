"""Per-sentence CLIP text features of each tweet: AMNL+'s ``y_ij`` (paper 000 §II-B, §III-A-3).

Each tweet's caption and comments become ``max_sentences`` sentence slots of at most
``max_words`` words, padded by repeating the last sentence
(:func:`pop_pipeline.ml.features.tweet_sentences.tweet_sentences`); each slot is encoded with the
CLIP text tower into a unit vector. The paper encodes each sentence with an LSTM over GloVe
vectors, trained with the ranking model; we use the frozen CLIP text tower instead, so the
sentences live in the same space as the image embedding and the patch tokens.

Every distinct sentence is encoded once (in sorted order, so the result does not depend on the
order of the tweets); padding slots reuse the vector of the sentence they repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pop_pipeline.ml.clip.encoding import encode_texts
from pop_pipeline.ml.clip.factory import ClipBundle
from pop_pipeline.ml.features.tweet_sentences import (
    MAX_SENTENCE_WORDS,
    MAX_SENTENCES,
    TweetSentences,
    tweet_sentences,
)

Progress = Callable[[int, int], None]


@dataclass
class EncodedSentences:
    """Sentence features of a list of tweets."""

    features: np.ndarray  # float32 [N, max_sentences, embed_dim], unit rows; padding repeats
    counts: np.ndarray  # int64 [N]: true sentences per tweet (0: every slot is the empty text)

    @property
    def mask(self) -> np.ndarray:
        """Boolean ``[N, max_sentences]``: the slot holds a true sentence, not padding."""
        slots = np.arange(self.features.shape[1])
        return slots[None, :] < self.counts[:, None]


def encode_tweet_sentences(
    bundle: ClipBundle,
    captions: Sequence[str],
    comments: Sequence[Sequence[str] | str | None],
    *,
    max_sentences: int = MAX_SENTENCES,
    max_words: int = MAX_SENTENCE_WORDS,
    batch_size: int = 512,
    progress: Progress | None = None,
) -> EncodedSentences:
    """Encode the sentence slots of each tweet with the bundle's text tower.

    Args:
        bundle: the CLIP to encode with (its tokenizer is applied; runs under no-grad on its
            device, with autocast on CUDA).
        captions: each tweet's text.
        comments: each tweet's replies in time order (a list of texts, or one string with one
            reply per line, or ``None``); same length as ``captions``.
        max_sentences: slots per tweet (paper: 4).
        max_words: words kept per sentence (paper: 12).
        batch_size: sentences per forward pass.
        progress: called as ``progress(done, total)`` over the distinct sentences.
    """
    if len(captions) != len(comments):
        raise ValueError("captions and comments must have the same length")
    slots = [
        tweet_sentences(caption, replies, max_sentences=max_sentences, max_words=max_words)
        for caption, replies in zip(captions, comments, strict=True)
    ]
    return encode_sentence_slots(
        bundle, slots, n_slots=max_sentences, batch_size=batch_size, progress=progress
    )


def encode_sentence_slots(
    bundle: ClipBundle,
    slots: Sequence[TweetSentences],
    *,
    n_slots: int = MAX_SENTENCES,
    batch_size: int = 512,
    progress: Progress | None = None,
) -> EncodedSentences:
    """Encode already built sentence slots; every tweet must have ``n_slots`` of them."""
    if any(len(tweet.sentences) != n_slots for tweet in slots):
        raise ValueError(f"every tweet needs {n_slots} sentence slots")
    distinct = sorted({sentence for tweet in slots for sentence in tweet.sentences})
    vectors = encode_texts(bundle, distinct, batch_size=batch_size, progress=progress)
    position = {sentence: row for row, sentence in enumerate(distinct)}
    rows = np.array(
        [[position[sentence] for sentence in tweet.sentences] for tweet in slots], dtype=np.int64
    ).reshape(len(slots), n_slots)
    return EncodedSentences(
        features=vectors[rows],
        counts=np.array([tweet.count for tweet in slots], dtype=np.int64),
    )
