"""SVR baselines of the Hybrid CNN paper (001 §4.2), each with the follower count and hours
elapsed added to its features.

``svr_image``    "Inception-SVR": a pre-trained image network's pooled output (Inception-v3,
                 2,048-d) plus the two side signals, regressed by SVR. Ours: the CLIP image
                 embedding of the tweet (the pipeline's pre-trained image tower).
``svr_bow``      "BOW": binary bag-of-words of the words seen more than 100 times, plus the side
                 signals (:class:`~pop_pipeline.ml.features.caption_words.BagOfWords`).
``svr_wordemb``  "GloVe": the mean word vector of the tweet (GloVe Twitter, 100-d), plus the
                 side signals. Ours: 100-d PPMI–SVD vectors fitted on the training captions
                 (:class:`~pop_pipeline.ml.features.caption_words.CooccurrenceWordVectors`):
                 no pre-trained vectors exist offline for the world's vocabulary.

Side signals are ``log1p(author followers)`` and ``log1p(hours elapsed)``
(:func:`log_side_features`, as the ``SIDE_FEATURES`` input of the neural models) where the
paper divides the raw counts by their maxima; every feature is standardised on the training
rows (``StandardScaler`` in the sklearn ``Pipeline``) before an RBF-kernel SVR, whose
hyperparameters the paper does not give (:class:`SVRConfig`). Kernel SVR scales
quadratically with the training rows, so at most ``max_train_rows`` rows, drawn with the
config's seed, are fitted; libsvm itself is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from pop_pipeline.ml.features.caption_words import BagOfWords, CooccurrenceWordVectors


@dataclass(frozen=True)
class SVRConfig:
    """Hyperparameters shared by the SVR baselines (the paper gives none)."""

    kernel: Literal["rbf", "linear"] = "rbf"  # SVR kernel
    c: float = 1.0  # SVR's C: penalty of errors beyond epsilon
    epsilon: float = 0.1  # half-width of the loss-free tube, in target units
    max_train_rows: int | None = 20_000  # fit on a seeded sample of at most this many rows
    seed: int = 0  # seeds that sample


def log_side_features(followers: npt.ArrayLike, hours_elapsed: npt.ArrayLike) -> np.ndarray:
    """``[N, 2]``: ``log1p(author followers)``, ``log1p(hours elapsed)``."""
    followers = np.asarray(followers, dtype=np.float64)
    hours = np.asarray(hours_elapsed, dtype=np.float64)
    if followers.shape != hours.shape or followers.ndim != 1:
        raise ValueError("followers and hours elapsed must be equal-length vectors")
    if (followers < 0).any() or (hours < 0).any() or np.isnan(followers + hours).any():
        raise ValueError("followers and hours elapsed must be non-negative numbers")
    return np.column_stack([np.log1p(followers), np.log1p(hours)])


@dataclass
class _FeatureSVR:
    config: SVRConfig = field(default_factory=SVRConfig)
    pipeline: Pipeline | None = None  # StandardScaler → SVR, once fitted

    name: ClassVar[str]

    def _fit_matrix(self, features: np.ndarray, targets: npt.ArrayLike) -> None:
        y = np.asarray(targets, dtype=np.float64)
        if len(y) != len(features) or len(y) == 0:
            raise ValueError(f"{len(features)} feature rows for {len(y)} targets (need > 0)")
        if np.isnan(y).any():
            raise ValueError("training targets must not be NaN")
        limit = self.config.max_train_rows
        if limit is not None and len(y) > limit:
            rows = np.sort(np.random.default_rng(self.config.seed).choice(len(y), limit, False))
            features, y = features[rows], y[rows]
        svr = SVR(kernel=self.config.kernel, C=self.config.c, epsilon=self.config.epsilon)
        self.pipeline = make_pipeline(StandardScaler(), svr).fit(features, y)

    def _predict_matrix(self, features: np.ndarray) -> np.ndarray:
        if self.pipeline is None:
            raise RuntimeError(f"{self.name} is not fitted")
        return np.asarray(self.pipeline.predict(features), dtype=np.float64)


@dataclass
class SVRImage(_FeatureSVR):
    """``svr_image``: SVR on [CLIP image embedding, log side signals]."""

    name: ClassVar[str] = "svr_image"

    def fit(
        self, image_embeddings: npt.ArrayLike, side: npt.ArrayLike, targets: npt.ArrayLike
    ) -> Self:
        self._fit_matrix(_joined(image_embeddings, side), targets)
        return self

    def predict(self, image_embeddings: npt.ArrayLike, side: npt.ArrayLike) -> np.ndarray:
        return self._predict_matrix(_joined(image_embeddings, side))


@dataclass
class SVRBow(_FeatureSVR):
    """``svr_bow``: SVR on [binary bag-of-words of the caption, log side signals]."""

    bag: BagOfWords = field(default_factory=BagOfWords)  # fitted on the training captions
    name: ClassVar[str] = "svr_bow"

    def fit(self, captions: Sequence[str], side: npt.ArrayLike, targets: npt.ArrayLike) -> Self:
        self.bag.fit(captions)
        self._fit_matrix(_joined(self.bag.transform(captions), side), targets)
        return self

    def predict(self, captions: Sequence[str], side: npt.ArrayLike) -> np.ndarray:
        return self._predict_matrix(_joined(self.bag.transform(captions), side))


@dataclass
class SVRWordEmbedding(_FeatureSVR):
    """``svr_wordemb``: SVR on [mean word vector of the caption, log side signals]."""

    word_vectors: CooccurrenceWordVectors = field(default_factory=CooccurrenceWordVectors)
    name: ClassVar[str] = "svr_wordemb"

    def fit(self, captions: Sequence[str], side: npt.ArrayLike, targets: npt.ArrayLike) -> Self:
        self.word_vectors.fit(captions)
        self._fit_matrix(_joined(self.word_vectors.mean_vectors(captions), side), targets)
        return self

    def predict(self, captions: Sequence[str], side: npt.ArrayLike) -> np.ndarray:
        return self._predict_matrix(_joined(self.word_vectors.mean_vectors(captions), side))


def _joined(features: npt.ArrayLike, side: npt.ArrayLike) -> np.ndarray:
    left = np.asarray(features, dtype=np.float64)
    right = np.asarray(side, dtype=np.float64)
    if left.ndim != 2 or right.ndim != 2 or len(left) != len(right):
        raise ValueError(f"features {left.shape} and side signals {right.shape} do not align")
    return np.hstack([left, right])
