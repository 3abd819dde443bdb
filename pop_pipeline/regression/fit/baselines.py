"""The popularity-regression baselines behind one interface, for training and for serving.

Each wrapper holds one fitted baseline of :mod:`pop_pipeline.ml.models` and speaks the
registry's baseline contract (``pop_pipeline.regression.packages``):

- ``required_inputs``: the regression inputs
  (:mod:`pop_pipeline.ml.models.regression.regression_inputs`)
  it reads from :class:`~pop_pipeline.regression.data.features.RegressionInputs`;
- ``fit(inputs, frame, targets, validation=None)``: train on the rows of ``inputs``;
- ``predict(inputs, frame) -> np.ndarray``: one prediction per row of ``inputs``;
- ``state() -> (params, arrays)`` and ``from_state(params, arrays)``: the fitted model as JSON
  values and named numpy arrays, which the registry stores as JSON and safetensors
  (:func:`baseline_from_state` rebuilds any of them by class name), so loading a baseline
  never unpickles anything.

``frame`` is the regression tweet frame the inputs were built from
(:data:`~pop_pipeline.regression.data.tweets.REGRESSION_TWEET_COLUMNS`): captions and
author ids come from it, aligned on ``inputs.tweet_ids`` (tweets the feature assembly
quarantined have no row in ``inputs`` and get no prediction).

``hisave``       the author's mean training target (paper 002 §4.1.3, HisAve)
``svr_image``    SVR on the CLIP image embedding and the side signals (paper 001 §4.2)
``svr_bow``      SVR on the caption's binary bag of words and the side signals (paper 001 §4.2)
``svr_wordemb``  SVR on the caption's mean word vector and the side signals (paper 001 §4.2)
``gbdt``         boosted trees on every tabular and embedding feature (paper 004 §4.4,
                 baseline 4's family), rounds chosen on the validation split when there is one
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.ml.models.regression.gbdt import GBDTConfig, GBDTRegressor, feature_matrix
from pop_pipeline.ml.models.regression.hisave import HistoricalAverage
from pop_pipeline.ml.models.regression.svr_baselines import (
    SVRBow,
    SVRConfig,
    SVRImage,
    SVRWordEmbedding,
)
from pop_pipeline.regression.data.features import RegressionInputs

Validation = tuple[RegressionInputs, pd.DataFrame, npt.ArrayLike]  # inputs, frame, targets
State = tuple[dict[str, Any], dict[str, np.ndarray]]  # (JSON params, named arrays)


def aligned_frame(inputs: RegressionInputs, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` for ``inputs.tweet_ids``, in that order.

    Raises:
        KeyError: a tweet of the inputs has no row in the frame.
    """
    by_id = frame.assign(tweet_id=frame["tweet_id"].astype(str)).drop_duplicates("tweet_id")
    by_id = by_id.set_index("tweet_id")
    missing = [t for t in inputs.tweet_ids if t not in by_id.index]
    if missing:
        raise KeyError(f"{len(missing)} tweet(s) of the inputs are not in the frame: {missing[:5]}")
    return by_id.loc[list(inputs.tweet_ids)].reset_index()


def _array(inputs: RegressionInputs, name: str) -> np.ndarray:
    try:
        tensor = inputs.tensors[name]
    except KeyError:
        raise KeyError(f"regression inputs lack {name!r}; have {sorted(inputs.tensors)}") from None
    return tensor.detach().cpu().numpy().astype(np.float64)


@dataclass
class RegressionBaseline(ABC):
    """Common shape of the wrappers: a name, the inputs it reads, fit and predict."""

    name: ClassVar[str]
    required_inputs: ClassVar[tuple[str, ...]]
    model_class: ClassVar[Any]  # the fitted model's class: its ``from_state`` rebuilds it

    @abstractmethod
    def fit(
        self,
        inputs: RegressionInputs,
        frame: pd.DataFrame,
        targets: npt.ArrayLike,
        validation: Validation | None = None,
    ) -> Self:
        """Fit on the training split; ``validation`` = (inputs, frame, targets) where used."""

    @abstractmethod
    def predict(self, inputs: RegressionInputs, frame: pd.DataFrame) -> np.ndarray:
        """One prediction per row of ``inputs``, in its order."""

    def state(self) -> State:
        """``(params, arrays)``: the fitted model as JSON values and named numpy arrays."""
        return self.model.state()  # type: ignore[attr-defined]

    @classmethod
    def from_state(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Self:
        """The baseline :meth:`state` describes."""
        return cls(cls.model_class.from_state(params, arrays))  # type: ignore[call-arg]


@dataclass
class HisAveBaseline(RegressionBaseline):
    """``hisave``: the author's mean training target, the global mean for unseen authors."""

    model: HistoricalAverage = field(default_factory=HistoricalAverage)
    name: ClassVar[str] = "hisave"
    model_class: ClassVar[Any] = HistoricalAverage
    required_inputs: ClassVar[tuple[str, ...]] = ()

    def fit(
        self,
        inputs: RegressionInputs,
        frame: pd.DataFrame,
        targets: npt.ArrayLike,
        validation: Validation | None = None,
    ) -> Self:
        self.model.fit(list(aligned_frame(inputs, frame)["author_id"].astype(str)), targets)
        return self

    def predict(self, inputs: RegressionInputs, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(list(aligned_frame(inputs, frame)["author_id"].astype(str)))


@dataclass
class SVRImageBaseline(RegressionBaseline):
    """``svr_image``: SVR on [CLIP image embedding, log1p followers, log1p hours elapsed]."""

    model: SVRImage = field(default_factory=SVRImage)
    name: ClassVar[str] = "svr_image"
    model_class: ClassVar[Any] = SVRImage
    required_inputs: ClassVar[tuple[str, ...]] = (names.IMAGE_EMBEDDING, names.SIDE_FEATURES)

    def fit(
        self,
        inputs: RegressionInputs,
        frame: pd.DataFrame,
        targets: npt.ArrayLike,
        validation: Validation | None = None,
    ) -> Self:
        side = _array(inputs, names.SIDE_FEATURES)
        self.model.fit(_array(inputs, names.IMAGE_EMBEDDING), side, targets)
        return self

    def predict(self, inputs: RegressionInputs, frame: pd.DataFrame) -> np.ndarray:
        side = _array(inputs, names.SIDE_FEATURES)
        return self.model.predict(_array(inputs, names.IMAGE_EMBEDDING), side)


class CaptionSVRBaseline(RegressionBaseline):
    """An SVR on a caption representation and the side signals (``svr_bow``, ``svr_wordemb``):
    the subclass names the model; fitting and predicting read the captions the same way."""

    model: SVRBow | SVRWordEmbedding
    required_inputs: ClassVar[tuple[str, ...]] = (names.SIDE_FEATURES,)

    def fit(
        self,
        inputs: RegressionInputs,
        frame: pd.DataFrame,
        targets: npt.ArrayLike,
        validation: Validation | None = None,
    ) -> Self:
        self.model.fit(_captions(inputs, frame), _array(inputs, names.SIDE_FEATURES), targets)
        return self

    def predict(self, inputs: RegressionInputs, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(_captions(inputs, frame), _array(inputs, names.SIDE_FEATURES))


def _captions(inputs: RegressionInputs, frame: pd.DataFrame) -> list[str]:
    return list(aligned_frame(inputs, frame)["text"].fillna("").astype(str))


@dataclass
class SVRBowBaseline(CaptionSVRBaseline):
    """``svr_bow``: SVR on [binary bag of words of the caption, side signals]."""

    model: SVRBow = field(default_factory=SVRBow)
    name: ClassVar[str] = "svr_bow"
    model_class: ClassVar[Any] = SVRBow


@dataclass
class SVRWordEmbeddingBaseline(CaptionSVRBaseline):
    """``svr_wordemb``: SVR on [mean PPMI–SVD word vector of the caption, side signals]."""

    model: SVRWordEmbedding = field(default_factory=SVRWordEmbedding)
    name: ClassVar[str] = "svr_wordemb"
    model_class: ClassVar[Any] = SVRWordEmbedding


GBDT_TABULAR = (names.SIDE_FEATURES, names.USER_FEATURES, names.CATEGORY_IDS)
GBDT_EMBEDDINGS = (names.IMAGE_EMBEDDING, names.TEXT_EMBEDDING)


@dataclass
class GBDTBaseline(RegressionBaseline):
    """``gbdt``: boosted trees on the side signals (log followers, log hours elapsed), the user
    features (z-scored counts, account age, one-hot posting month/day/hour), the three category
    ids (trees split ids as ordinal numbers; 0 = unknown) and the CLIP image and caption
    embeddings."""

    model: GBDTRegressor = field(default_factory=GBDTRegressor)
    name: ClassVar[str] = "gbdt"
    model_class: ClassVar[Any] = GBDTRegressor
    required_inputs: ClassVar[tuple[str, ...]] = (*GBDT_TABULAR, *GBDT_EMBEDDINGS)

    def fit(
        self,
        inputs: RegressionInputs,
        frame: pd.DataFrame,
        targets: npt.ArrayLike,
        validation: Validation | None = None,
    ) -> Self:
        matrix, feature_names = self.features(inputs)
        held_out = None
        if validation is not None:
            held_out = (self.features(validation[0])[0], np.asarray(validation[2], np.float64))
        self.model.fit(matrix, targets, validation=held_out, feature_names=feature_names)
        return self

    def predict(self, inputs: RegressionInputs, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self.features(inputs)[0])

    @staticmethod
    def features(inputs: RegressionInputs) -> tuple[np.ndarray, list[str]]:
        """The ``[N, F]`` matrix (tabular blocks first) and its column names."""
        blocks = {name: _array(inputs, name) for name in (*GBDT_TABULAR, *GBDT_EMBEDDINGS)}
        tabular = pd.DataFrame(
            {
                f"{name}_{i}": blocks[name][:, i]
                for name in GBDT_TABULAR
                for i in range(blocks[name].shape[1])
            }
        )
        return feature_matrix(tabular, {name: blocks[name] for name in GBDT_EMBEDDINGS})


BASELINES: dict[str, type[RegressionBaseline]] = {
    baseline.name: baseline
    for baseline in (
        HisAveBaseline,
        SVRImageBaseline,
        SVRBowBaseline,
        SVRWordEmbeddingBaseline,
        GBDTBaseline,
    )
}

# class name (a package's estimator spec) → wrapper class
BASELINE_CLASSES: dict[str, type[RegressionBaseline]] = {
    baseline.__name__: baseline for baseline in BASELINES.values()
}


def baseline_from_state(
    class_name: str, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> RegressionBaseline:
    """The fitted baseline of class ``class_name`` that ``state()`` gave ``params``/``arrays``.

    Raises:
        ValueError: not a baseline class of this module.
    """
    if class_name not in BASELINE_CLASSES:
        known = sorted(BASELINE_CLASSES)
        raise ValueError(f"unknown regression baseline class {class_name!r}; known: {known}")
    return BASELINE_CLASSES[class_name].from_state(params, arrays)


def make_baseline(
    name: str, *, svr: SVRConfig | None = None, gbdt: GBDTConfig | None = None
) -> RegressionBaseline:
    """An unfitted baseline by name, with the SVR or GBDT hyperparameters where it has them."""
    if name == HisAveBaseline.name:
        return HisAveBaseline()
    if name == SVRImageBaseline.name:
        return SVRImageBaseline(SVRImage(config=svr or SVRConfig()))
    if name == SVRBowBaseline.name:
        return SVRBowBaseline(SVRBow(config=svr or SVRConfig()))
    if name == SVRWordEmbeddingBaseline.name:
        return SVRWordEmbeddingBaseline(SVRWordEmbedding(config=svr or SVRConfig()))
    if name == GBDTBaseline.name:
        return GBDTBaseline(GBDTRegressor(config=gbdt or GBDTConfig()))
    raise KeyError(f"unknown regression baseline {name!r}; known: {sorted(BASELINES)}")
