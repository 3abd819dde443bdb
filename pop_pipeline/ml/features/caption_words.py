"""Caption words for the text baselines of paper 001: binary bag-of-words and mean word vectors.

Paper 001 §4.2 compares its CNN with two text regressors, both SVR after adding the follower
count and hours elapsed:

- BOW: "a dictionary by selecting words that appear more than 100 times in the dataset ...
  binary BOW": :class:`BagOfWords`, words occurring at least ``min_count`` times in the
  *training* captions (``min_count=101`` is the paper's "more than 100"; we count on training
  captions only so the test tweets never shape the features).
- GloVe: "the mean vector of the words in the tweet" with GloVe Twitter vectors (100-d). No
  pre-trained word vectors are available offline, and the synthetic world's vocabulary is its
  own, so :class:`CooccurrenceWordVectors` fits 100-d vectors on the training captions with
  the count-based analogue of word2vec/GloVe: positive pointwise mutual information of words
  within a window, context-distribution smoothing ``α = 0.75``, factorised by a truncated SVD
  with the singular values split symmetrically (``W = U·√Σ``), rows scaled to unit length
  (Levy, Goldberg and Dagan, TACL 2015, §3–4). Words outside the vocabulary have no vector;
  a caption without known words gets the zero vector.

Words are lower-cased runs of letters and digits, a leading ``#`` or ``@`` kept
(:func:`caption_words`), so hashtags stay distinct words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD

_WORD = re.compile(r"[#@]?[^\W_]+(?:['’][^\W_]+)*")  # a #/@ prefix, inner apostrophes


def caption_words(text: str) -> list[str]:
    """The caption's words in order: lower-cased, ``#``/``@`` prefixes and inner apostrophes
    kept, other punctuation dropped: ``"Sunny #Beach, isn't it?"`` gives
    ``["sunny", "#beach", "isn't", "it"]``. The one tokenizer of the regression features."""
    return _WORD.findall(str(text).lower())


def word_counts(captions: Iterable[str]) -> Counter[str]:
    """Occurrences of each word over the captions."""
    counts: Counter[str] = Counter()
    for caption in captions:
        counts.update(caption_words(caption))
    return counts


@dataclass
class BagOfWords:
    """Binary bag-of-words over the words of the training captions seen ``min_count`` times."""

    min_count: int = 101  # paper 001: words appearing "more than 100 times"
    vocabulary: dict[str, int] = field(default_factory=dict)  # word → column, alphabetical

    def fit(self, captions: Sequence[str]) -> Self:
        counts = word_counts(captions)
        kept = sorted(word for word, count in counts.items() if count >= self.min_count)
        self.vocabulary = {word: column for column, word in enumerate(kept)}
        return self

    def transform(self, captions: Sequence[str]) -> np.ndarray:
        """``[N, V]`` float matrix: 1 where the vocabulary word occurs in the caption."""
        matrix = np.zeros((len(captions), len(self.vocabulary)), dtype=np.float64)
        for row, caption in enumerate(captions):
            for word in set(caption_words(caption)):
                column = self.vocabulary.get(word)
                if column is not None:
                    matrix[row, column] = 1.0
        return matrix

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form: ``min_count`` and the words in column order."""
        return {"min_count": self.min_count, "words": _in_order(self.vocabulary)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BagOfWords:
        words = [str(word) for word in data["words"]]
        return cls(min_count=int(data["min_count"]), vocabulary=_indexed(words))


@dataclass
class CooccurrenceWordVectors:
    """PPMI + truncated-SVD word vectors fitted on captions; see the module docstring."""

    dim: int = 100  # vector length (GloVe Twitter T100: 100); fewer if the vocabulary is small
    window: int = 5  # words either side counted as context
    min_count: int = 2  # words seen fewer times have no vector
    smoothing: float = 0.75  # α of the context distribution P_α(c) ∝ count(c)^α
    seed: int = 0  # seeds the randomised SVD
    vocabulary: dict[str, int] = field(default_factory=dict)  # word → row of ``vectors``
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))  # [V, d], unit rows

    def fit(self, captions: Sequence[str]) -> Self:
        counts = word_counts(captions)
        kept = sorted(word for word, count in counts.items() if count >= self.min_count)
        self.vocabulary = {word: row for row, word in enumerate(kept)}
        ppmi = ppmi_matrix(
            cooccurrence_counts(captions, self.vocabulary, self.window), self.smoothing
        )
        size = len(kept)
        dim = min(self.dim, size - 1)
        if dim < 1 or ppmi.nnz == 0:
            self.vectors = np.zeros((size, 1))
            return self
        svd = TruncatedSVD(n_components=dim, algorithm="randomized", random_state=self.seed)
        u_sigma = svd.fit_transform(ppmi)  # U·Σ
        vectors = u_sigma / np.sqrt(np.maximum(svd.singular_values_, 1e-12))  # U·√Σ
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return self

    def mean_vectors(self, captions: Sequence[str]) -> np.ndarray:
        """``[N, d]``: the mean vector of each caption's known words (zeros if none)."""
        out = np.zeros((len(captions), self.vectors.shape[1]), dtype=np.float64)
        for row, caption in enumerate(captions):
            rows = [self.vocabulary[w] for w in caption_words(caption) if w in self.vocabulary]
            if rows:
                out[row] = self.vectors[rows].mean(axis=0)
        return out

    def state(self) -> tuple[dict[str, Any], np.ndarray]:
        """``(params, vectors)``: the settings and words in row order as JSON, the vectors."""
        params = {
            "dim": self.dim,
            "window": self.window,
            "min_count": self.min_count,
            "smoothing": self.smoothing,
            "seed": self.seed,
            "words": _in_order(self.vocabulary),
        }
        return params, np.ascontiguousarray(self.vectors, dtype=np.float64)

    @classmethod
    def from_state(cls, params: Mapping[str, Any], vectors: np.ndarray) -> CooccurrenceWordVectors:
        words = [str(word) for word in params["words"]]
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} words for {len(vectors)} word vectors")
        return cls(
            dim=int(params["dim"]),
            window=int(params["window"]),
            min_count=int(params["min_count"]),
            smoothing=float(params["smoothing"]),
            seed=int(params["seed"]),
            vocabulary=_indexed(words),
            vectors=np.asarray(vectors, dtype=np.float64),
        )


def _in_order(vocabulary: Mapping[str, int]) -> list[str]:
    """The words of a word → position map, by position."""
    return sorted(vocabulary, key=vocabulary.__getitem__)


def _indexed(words: Sequence[str]) -> dict[str, int]:
    return {word: position for position, word in enumerate(words)}


def cooccurrence_counts(
    captions: Sequence[str], vocabulary: dict[str, int], window: int
) -> sparse.csr_matrix:
    """Symmetric ``[V, V]`` counts of known words within ``window`` words of each other.

    Unknown words are dropped before windows are taken; a caption is its own sentence.
    """
    rows: list[int] = []
    cols: list[int] = []
    for caption in captions:
        ids = [vocabulary[w] for w in caption_words(caption) if w in vocabulary]
        for i, word in enumerate(ids):
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i:
                    rows.append(word)
                    cols.append(ids[j])
    size = len(vocabulary)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(size, size))


def ppmi_matrix(counts: sparse.csr_matrix, smoothing: float) -> sparse.csr_matrix:
    """``PPMI(w, c) = max(0, log(#(w,c)·Σ_c' #(c')^α / (#(w)·#(c)^α)))`` with
    ``#(w) = Σ_c #(w,c)`` and ``#(c) = Σ_w #(w,c)`` (Levy et al. 2015, eq. for PMI_α)."""
    coo = counts.tocoo()
    total = float(coo.data.sum())
    if total == 0.0:
        return sparse.csr_matrix(counts.shape)
    word_totals = np.asarray(counts.sum(axis=1)).ravel()
    context_totals = np.asarray(counts.sum(axis=0)).ravel() ** smoothing
    p_word = word_totals[coo.row] / total
    p_context = context_totals[coo.col] / context_totals.sum()
    pmi = np.log((coo.data / total) / (p_word * p_context))
    positive = pmi > 0
    return sparse.csr_matrix(
        (pmi[positive], (coo.row[positive], coo.col[positive])), shape=counts.shape
    )
