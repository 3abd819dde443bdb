"""Regression model packages: one folder that scores new raw tweets with a trained model.

A :class:`RegressionPackage` holds the estimator (a torch model of the regression contract of
:mod:`pop_pipeline.ml.models.regression.regression_inputs` — Hybrid CNN, paper 001; UHAN, paper 002;
DSN, paper 004 — or a fitted baseline), the vocabularies and feature sizes it was trained with,
the stored history new tweets are looked up in (the author's counts; DSN's window of the
previous posts, paper 004 §3.1) and the CLIP it read its features with. It is the artifact of
every registered ``pop-<model>`` regression model (:mod:`pop_pipeline.regression.pyfunc`).

Folder layout (written by :meth:`RegressionPackage.save`)::

    package.json            model name, protocol, target, estimator spec, inputs, feature config,
                            the hours elapsed of its training tweets (min, max; absent in
                            packages written before it was recorded)
    vocabularies.json       RegressionVocabularies.to_json()
    estimator.safetensors   torch estimators: the state_dict (rebuilt from the spec's config);
                            baselines: the fitted arrays (support vectors, tree nodes, ...)
    estimator.json          baselines: the fitted model's JSON values (``state()``)
    history/                users.parquet; tweets.parquet, embeddings.safetensors (image, text)
                            and embedding_ids.json hold the stored posts for DSN's window
                            (empty for the other models) — only when the package has a history
    clip/                   the CLIP encoder package (clip.json, clip.safetensors) when needed

Weights and fitted arrays are safetensors and everything else JSON or Parquet: a torch model
is rebuilt from its config, a baseline from its state
(:func:`~pop_pipeline.regression.fit.baselines.baseline_from_state`), so loading a package
never unpickles anything.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors.numpy import load_file as load_arrays
from safetensors.numpy import save_file as save_arrays
from safetensors.torch import load_file, save_file

from pop_pipeline.ml.clip.encoding import encode_texts
from pop_pipeline.ml.clip.factory import ClipBundle
from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.ml.models.regression.dsn import DSN, DSNConfig
from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN, HybridCNNConfig
from pop_pipeline.ml.models.regression.uhan import UHAN, UHANConfig
from pop_pipeline.ml.training.regression_loop import RegressionData, predict_regression
from pop_pipeline.registry.clip_package import load_clip
from pop_pipeline.regression.data.feature_sources import TweetEmbeddingTable
from pop_pipeline.regression.data.features import (
    CLIP_INPUTS,
    QUARANTINE_COLUMNS,
    SEQUENCE_INPUTS,
    RegressionFeatureConfig,
)
from pop_pipeline.regression.data.new_tweet_inputs import (
    USER_COLUMNS,
    StoredRegressionHistory,
    new_tweet_frame,
    new_tweet_regression_inputs,
)
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS
from pop_pipeline.regression.data.vocabularies import RegressionVocabularies
from pop_pipeline.regression.fit.baselines import RegressionBaseline, baseline_from_state
from pop_pipeline.regression.model_input import (
    DUPLICATE_TWEET,
    regression_input_frame,
)
from pop_pipeline.regression.protocols import PROTOCOLS, TARGETS

FORMAT = "pop-regression-package/1"
BASELINE_KIND = "baseline-state"  # estimator_kind of a baseline: estimator.json + .safetensors
TASK_TAG = "pop.task"  # on the run and the registered version: "regression" here
REGRESSION_TASK = "regression"
# torch estimator classes a package can rebuild: spec "class" → (module class, config class)
TORCH_ESTIMATORS: dict[str, tuple[type[torch.nn.Module], type]] = {
    "HybridCNN": (HybridCNN, HybridCNNConfig),
    "UHAN": (UHAN, UHANConfig),
    "DSN": (DSN, DSNConfig),
}


@dataclass
class RegressionPackage:
    """Everything needed to score new raw tweets with one trained regression model."""

    model_name: str  # e.g. "dsn", "uhan_no_v", "hybrid_cnn_retweets", "gbdt"
    protocol: str  # "paper001" | "paper002" | "paper004"
    target: str  # "log_retweets" | "log_likes" | "popularity_score"
    estimator: Any  # torch nn.Module of the regression contract, or a fitted RegressionBaseline
    estimator_spec: dict[str, Any]  # torch: {"class", "config"}; baselines: {"class"}
    vocabularies: RegressionVocabularies
    feature_config: RegressionFeatureConfig
    required_inputs: tuple[str, ...]
    history: StoredRegressionHistory | None  # stored users and posts (None: no lookup)
    clip_package_dir: Path | None  # the CLIP encoder package; None if no CLIP input is needed
    # (min, max) hours elapsed of the training tweets; None: not recorded (older packages)
    training_hours_elapsed: tuple[float, float] | None = None
    _clip: ClipBundle | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.required_inputs = tuple(self.required_inputs)
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.protocol!r}; known: {tuple(PROTOCOLS)}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown target {self.target!r}; known: {TARGETS}")
        if "class" not in self.estimator_spec:
            raise ValueError("estimator_spec needs a 'class'")
        if not (self.is_torch or isinstance(self.estimator, RegressionBaseline)):
            raise ValueError(
                f"estimator {type(self.estimator).__name__} is neither a torch model nor a "
                "RegressionBaseline: a package stores only those, without pickle"
            )
        if self.is_torch and "config" not in self.estimator_spec:
            raise ValueError(f"torch estimator {self.estimator_spec['class']} needs a 'config'")
        if set(self.required_inputs) & CLIP_INPUTS and self.clip_package_dir is None:
            raise ValueError(
                f"{self.model_name} reads CLIP inputs "
                f"{sorted(set(self.required_inputs) & CLIP_INPUTS)} but has no clip_package_dir"
            )
        if set(self.required_inputs) & {names.SEQUENCE_MASK} and self.history is None:
            raise ValueError(f"{self.model_name} reads DSN's window but the package has no history")

    @property
    def is_torch(self) -> bool:
        return isinstance(self.estimator, torch.nn.Module)

    # --- save / load --------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the package folder (see the module docstring); ``folder`` may exist."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "model_name": self.model_name,
            "protocol": self.protocol,
            "target": self.target,
            "estimator_spec": _json_ready(self.estimator_spec),
            "estimator_kind": "torch" if self.is_torch else BASELINE_KIND,
            "feature_config": asdict(self.feature_config),
            "required_inputs": list(self.required_inputs),
            "has_history": self.history is not None,
            "has_clip": self.clip_package_dir is not None,
        }
        if self.training_hours_elapsed is not None:
            low, high = self.training_hours_elapsed
            meta["training_hours_elapsed"] = {"min": float(low), "max": float(high)}
        (folder / "package.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        (folder / "vocabularies.json").write_text(self.vocabularies.to_json())
        if self.is_torch:
            state = self.estimator.state_dict()
            state = {k: v.detach().cpu().contiguous() for k, v in state.items()}
            save_file(state, str(folder / "estimator.safetensors"))
        else:
            params, arrays = self.estimator.state()
            (folder / "estimator.json").write_text(json.dumps(params, indent=1, sort_keys=True))
            contiguous = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
            save_arrays(contiguous, str(folder / "estimator.safetensors"))
        if self.history is not None:
            _save_history(_needed_history(self.history, self.required_inputs), folder / "history")
        if self.clip_package_dir is not None:
            target = folder / "clip"
            if Path(self.clip_package_dir).resolve() != target.resolve():
                shutil.copytree(self.clip_package_dir, target, dirs_exist_ok=True)

    @classmethod
    def load(cls, folder: Path) -> RegressionPackage:
        """Read a folder written by :meth:`save`; torch estimators come back in eval mode.

        Raises:
            ValueError: not a regression package, an estimator class it cannot rebuild, or a
                baseline pickled by an older version (``estimator.joblib``: never unpickled).
        """
        folder = Path(folder)
        meta = json.loads((folder / "package.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{folder} is not a {FORMAT} folder: format {meta.get('format')!r}")
        spec = meta["estimator_spec"]
        kind = meta["estimator_kind"]
        if kind == "torch":
            estimator: Any = _rebuild_torch(spec, load_file(str(folder / "estimator.safetensors")))
        elif kind == BASELINE_KIND:
            estimator = baseline_from_state(
                spec["class"],
                json.loads((folder / "estimator.json").read_text()),
                load_arrays(str(folder / "estimator.safetensors")),
            )
        else:
            raise ValueError(
                f"{folder} stores its {spec['class']} estimator as {kind!r}, which is not loaded "
                "(it would unpickle code); retrain the model to write a current package"
            )
        return cls(
            model_name=meta["model_name"],
            protocol=meta["protocol"],
            target=meta["target"],
            estimator=estimator,
            estimator_spec=spec,
            vocabularies=RegressionVocabularies.from_json(
                (folder / "vocabularies.json").read_text()
            ),
            feature_config=RegressionFeatureConfig(**meta["feature_config"]),
            required_inputs=tuple(meta["required_inputs"]),
            history=_load_history(folder / "history") if meta["has_history"] else None,
            clip_package_dir=folder / "clip" if meta["has_clip"] else None,
            training_hours_elapsed=_hours_range(meta.get("training_hours_elapsed")),
        )

    # --- prediction ---------------------------------------------------------------------------

    def clip(self, device: str) -> ClipBundle:
        """The bundled CLIP on ``device`` (loaded once)."""
        if self.clip_package_dir is None:
            raise ValueError(f"{self.model_name} has no CLIP package")
        if self._clip is None or str(self._clip.device) != str(torch.device(device)):
            self._clip = load_clip(Path(self.clip_package_dir), device=device)
        return self._clip

    def predict(
        self,
        prediction_tweets: pd.DataFrame,
        *,
        observed_at: datetime,
        device: str | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(predictions: tweet_id, prediction; quarantine: tweet_id, media_uri, reason, message)
        for the prediction-input frame (:mod:`pop_pipeline.regression.model_input` columns).

        Every input row is in exactly one of the two frames: predicted, or quarantined with a
        reason code (an unreadable photo, a repeated tweet id, ...). ``observed_at`` is the
        moment the popularity is predicted for (hours elapsed end there). Torch estimators and
        the CLIP run on ``device``: ``$POP_DEVICE`` when unset, else the CPU.

        Raises:
            ValueError: the frame lacks a required column.
        """
        device = device or os.environ.get("POP_DEVICE") or "cpu"
        tweets = regression_input_frame(prediction_tweets)
        repeated = tweets["tweet_id"].duplicated()
        duplicates = pd.DataFrame(
            {
                "tweet_id": tweets["tweet_id"][repeated],
                "media_uri": tweets["media_uri"][repeated],
                "reason": DUPLICATE_TWEET,
                "message": "the tweet id occurs earlier in the input; only the first is scored",
            },
            columns=list(QUARANTINE_COLUMNS),
        )
        tweets = tweets[~repeated].reset_index(drop=True)
        needs_clip = bool(set(self.required_inputs) & CLIP_INPUTS) and len(tweets) > 0
        clip = self.clip(device) if needs_clip else None
        history = self.history
        if history is None:
            width = int(encode_texts(clip, [""]).shape[1]) if clip is not None else 0
            history = _empty_history(width)
        inputs = new_tweet_regression_inputs(
            tweets,
            history=history,
            vocabularies=self.vocabularies,
            clip=clip,
            required=self.required_inputs,
            observed_at=observed_at,
            config=self.feature_config,
        )
        if self.is_torch:
            data = RegressionData(inputs=inputs.tensors)
            values = (
                predict_regression(self.estimator, data, device=device).double().numpy()
                if inputs.tweet_ids
                else np.zeros(0)
            )
        else:
            frame = new_tweet_frame(tweets, history.users, observed_at).set_index("tweet_id")
            frame = frame.loc[inputs.tweet_ids].reset_index()
            values = (
                np.asarray(self.estimator.predict(inputs, frame), dtype=np.float64).reshape(-1)
                if inputs.tweet_ids
                else np.zeros(0)
            )
        if len(values) != len(inputs.tweet_ids):
            raise ValueError(
                f"{self.model_name} returned {len(values)} predictions "
                f"for {len(inputs.tweet_ids)} tweets"
            )
        predictions = pd.DataFrame({"tweet_id": inputs.tweet_ids, "prediction": values})
        parts = [part for part in (duplicates, inputs.quarantine) if len(part)]
        quarantine = (
            pd.concat(parts, ignore_index=True)[list(QUARANTINE_COLUMNS)]
            if parts
            else pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
        )
        return predictions, quarantine


def training_hours_elapsed(tweets: pd.DataFrame) -> tuple[float, float] | None:
    """``(min, max)`` of the ``hours_elapsed`` column of a model's training tweets (``None``
    when there is none): what :attr:`RegressionPackage.training_hours_elapsed` records."""
    hours = pd.to_numeric(tweets["hours_elapsed"], errors="coerce").dropna()
    return None if hours.empty else (float(hours.min()), float(hours.max()))


def _hours_range(value: dict[str, float] | None) -> tuple[float, float] | None:
    return None if value is None else (float(value["min"]), float(value["max"]))


def torch_estimator_spec(model: torch.nn.Module) -> dict[str, Any]:
    """``{"class", "config"}`` of a Hybrid CNN, UHAN or DSN instance (its ``config``)."""
    name = type(model).__name__
    if name not in TORCH_ESTIMATORS:
        raise ValueError(f"no package support for {name}; known: {sorted(TORCH_ESTIMATORS)}")
    return {"class": name, "config": asdict(model.config)}  # type: ignore[call-overload]


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def _rebuild_torch(spec: dict[str, Any], state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """The model of ``spec`` with ``state`` loaded, in eval mode. JSON lists become the
    config's tuples again (``DSNConfig.category_vocab_sizes``, ``HybridCNNConfig.fc_units``)."""
    if spec["class"] not in TORCH_ESTIMATORS:
        known = sorted(TORCH_ESTIMATORS)
        raise ValueError(f"unknown estimator class {spec['class']!r}; known: {known}")
    model_class, config_class = TORCH_ESTIMATORS[spec["class"]]
    fields = {f.name for f in dataclasses.fields(config_class)}
    unknown = set(spec["config"]) - fields
    if unknown:
        raise ValueError(f"{spec['class']} config has unknown fields {sorted(unknown)}")
    config = config_class(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in spec["config"].items()}
    )
    model = model_class(config)
    model.load_state_dict(state)
    return model.eval()


# --- history ----------------------------------------------------------------------------------


def _empty_history(width: int) -> StoredRegressionHistory:
    """No stored users or posts: every author is unseen (the input's follower count is used);
    ``width``: the CLIP embedding width the new tweets' rows are joined to."""
    users = pd.DataFrame({c: pd.Series(dtype="float64") for c in USER_COLUMNS})
    users.insert(0, "user_id", pd.Series(dtype="object"))
    # object, not datetime64: pandas maps through an empty datetime Series as float64
    users["created_at"] = pd.Series(dtype="object")
    empty = np.zeros((0, width), dtype=np.float32)
    return StoredRegressionHistory(
        tweets=pd.DataFrame(columns=list(REGRESSION_TWEET_COLUMNS)),
        users=users,
        embeddings=TweetEmbeddingTable(tweet_ids=(), image=empty, text=empty),
    )


def _needed_history(
    history: StoredRegressionHistory, required: tuple[str, ...]
) -> StoredRegressionHistory:
    """What prediction reads of ``history``: the users always (the authors' counts); the
    stored posts and their embeddings only for DSN's window (``SEQUENCE_INPUTS``) — other
    models encode a new tweet's own CLIP vectors, so the package keeps none of the posts."""
    if set(required) & SEQUENCE_INPUTS:
        return history
    embeddings = history.embeddings
    return StoredRegressionHistory(
        tweets=history.tweets.iloc[:0],
        users=history.users,
        embeddings=TweetEmbeddingTable(
            tweet_ids=(), image=embeddings.image[:0], text=embeddings.text[:0]
        ),
    )


def _save_history(history: StoredRegressionHistory, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    history.tweets.reset_index(drop=True).to_parquet(folder / "tweets.parquet", index=False)
    history.users.reset_index(drop=True).to_parquet(folder / "users.parquet", index=False)
    embeddings = history.embeddings
    save_arrays(
        {
            "image": np.ascontiguousarray(embeddings.image, dtype=np.float32),
            "text": np.ascontiguousarray(embeddings.text, dtype=np.float32),
        },
        str(folder / "embeddings.safetensors"),
    )
    (folder / "embedding_ids.json").write_text(json.dumps(list(embeddings.tweet_ids)))


def _load_history(folder: Path) -> StoredRegressionHistory:
    arrays = load_arrays(str(folder / "embeddings.safetensors"))
    return StoredRegressionHistory(
        tweets=pd.read_parquet(folder / "tweets.parquet"),
        users=pd.read_parquet(folder / "users.parquet"),
        embeddings=TweetEmbeddingTable(
            tweet_ids=tuple(json.loads((folder / "embedding_ids.json").read_text())),
            image=arrays["image"],
            text=arrays["text"],
        ),
    )
