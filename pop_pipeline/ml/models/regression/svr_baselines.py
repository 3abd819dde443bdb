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
rows (``StandardScaler``) before an RBF-kernel SVR, whose hyperparameters the paper does not
give (:class:`SVRConfig`). Kernel SVR scales quadratically with the training rows, so at most
``max_train_rows`` rows, drawn with the config's seed, are fitted; libsvm itself is
deterministic. The fitted SVR is kept as arrays (:class:`KernelSVR`), so each model saves as
JSON and arrays (``state``/``from_state``) and loads without unpickling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt

from pop_pipeline.ml.features.caption_words import BagOfWords, CooccurrenceWordVectors
from pop_pipeline.ml.models.regression.kernel_svr import KernelSVR

State = tuple[dict[str, Any], dict[str, np.ndarray]]  # (JSON params, named arrays)


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
    svr: KernelSVR | None = None  # standardisation and SVR, once fitted

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
        self.svr = KernelSVR.fit(
            features, y, kernel=self.config.kernel, c=self.config.c, epsilon=self.config.epsilon
        )

    def _predict_matrix(self, features: np.ndarray) -> np.ndarray:
        if self.svr is None:
            raise RuntimeError(f"{self.name} is not fitted")
        return self.svr.predict(features)

    def _svr_state(self) -> State:
        if self.svr is None:
            raise RuntimeError(f"{self.name} is not fitted")
        params, arrays = self.svr.state()
        return (
            {"config": asdict(self.config), "svr": params},
            {f"svr.{name}": array for name, array in arrays.items()},
        )

    @staticmethod
    def _svr_from_state(
        params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> tuple[SVRConfig, KernelSVR]:
        svr_arrays = {k[len("svr.") :]: v for k, v in arrays.items() if k.startswith("svr.")}
        return SVRConfig(**params["config"]), KernelSVR.from_state(params["svr"], svr_arrays)


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

    def state(self) -> State:
        """``(params, arrays)`` of the fitted model (:meth:`from_state` reads them)."""
        return self._svr_state()

    @classmethod
    def from_state(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> SVRImage:
        config, svr = cls._svr_from_state(params, arrays)
        return cls(config=config, svr=svr)


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

    def state(self) -> State:
        """``(params, arrays)`` of the fitted model (:meth:`from_state` reads them)."""
        params, arrays = self._svr_state()
        return {**params, "bag": self.bag.to_dict()}, arrays

    @classmethod
    def from_state(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> SVRBow:
        config, svr = cls._svr_from_state(params, arrays)
        return cls(config=config, svr=svr, bag=BagOfWords.from_dict(params["bag"]))


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

    def state(self) -> State:
        """``(params, arrays)`` of the fitted model (:meth:`from_state` reads them)."""
        params, arrays = self._svr_state()
        words, vectors = self.word_vectors.state()
        return {**params, "word_vectors": words}, {**arrays, "word_vectors": vectors}

    @classmethod
    def from_state(
        cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> SVRWordEmbedding:
        config, svr = cls._svr_from_state(params, arrays)
        words = CooccurrenceWordVectors.from_state(params["word_vectors"], arrays["word_vectors"])
        return cls(config=config, svr=svr, word_vectors=words)


def _joined(features: npt.ArrayLike, side: npt.ArrayLike) -> np.ndarray:
    left = np.asarray(features, dtype=np.float64)
    right = np.asarray(side, dtype=np.float64)
    if left.ndim != 2 or right.ndim != 2 or len(left) != len(right):
        raise ValueError(f"features {left.shape} and side signals {right.shape} do not align")
    return np.hstack([left, right])
