"""Model packages of AMNL+, VBPR, the CITING stand-in and D-Sempre (beside ``amnl_bpr_popularity``).

A package is a folder: ``<model>.safetensors`` (the ``state_dict``, plus any array the model
needs to score, such as D-Sempre's user bags) and ``<model>.json`` (the model config and the id
maps). Loading rebuilds the model from its config and never unpickles code. Each ``load_*``
returns the object the trainer returned, so a loaded package scores exactly as the trained one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from pop_pipeline.ml.features.semantic_clusters import SemanticClusters
from pop_pipeline.ml.models.ranking.amnl_plus import AMNLPlus, AMNLPlusConfig
from pop_pipeline.ml.models.ranking.citing import Citing, CitingConfig
from pop_pipeline.ml.models.ranking.dsempre import DSempre, DSempreConfig
from pop_pipeline.ml.models.ranking.vbpr import VBPR, VBPRConfig
from pop_pipeline.ranking.fit.content_trainers import TrainedCiting, TrainedDSempre, TrainedVbpr

SCORE_BATCH = 4096  # rows scored per forward pass


def _write(folder: Path, stem: str, model: torch.nn.Module, meta: dict[str, Any], **arrays):
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for name, array in arrays.items():
        state[f"package.{name}"] = torch.from_numpy(np.ascontiguousarray(array))
    save_file(state, str(folder / f"{stem}.safetensors"))
    (folder / f"{stem}.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def _read(folder: Path, stem: str) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict]:
    """``(meta, model state, package arrays)`` of a package folder."""
    meta = json.loads((folder / f"{stem}.json").read_text())
    state = load_file(str(folder / f"{stem}.safetensors"))
    arrays = {k[len("package.") :]: v.numpy() for k, v in state.items() if k.startswith("package.")}
    model_state = {k: v for k, v in state.items() if not k.startswith("package.")}
    return meta, model_state, arrays


def _config_json(config: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}


def _with_tuples(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: tuple(v) if k in names else v for k, v in values.items()}


# --- AMNL+ ------------------------------------------------------------------------------------


@dataclass
class AmnlPlusPackage:
    """A trained :class:`AMNLPlus` (any Table IV variant) with its user id map."""

    model: AMNLPlus
    user_ids: list[str]

    @torch.inference_mode()
    def score(
        self,
        user_ids: Iterable[object],
        rows: np.ndarray,
        patches: np.ndarray,
        image: np.ndarray,
        sentences: np.ndarray | None,
    ) -> np.ndarray:
        """Scores of (user, tweet) pairs; ``rows[i]`` is the tweet of pair ``i`` in the tweet
        tables ``patches`` [n, grid, d], ``image`` [n, d] and ``sentences`` [n, slots, d].

        Each distinct tweet runs through the fusion network once (``encode_tweets``).
        """
        device = next(self.model.parameters()).device
        encoded = []
        for start in range(0, len(image), SCORE_BATCH):
            part = slice(start, start + SCORE_BATCH)
            encoded.append(
                self.model.encode_tweets(
                    torch.as_tensor(patches[part], dtype=torch.float32, device=device),
                    torch.as_tensor(image[part], dtype=torch.float32, device=device),
                    None
                    if sentences is None or not self.model.config.textual_guidance
                    else torch.as_tensor(sentences[part], dtype=torch.float32, device=device),
                )
            )
        tweets = torch.cat(encoded) if encoded else torch.zeros(0, self.model.config.rnn_dim)
        index = {user: position for position, user in enumerate(self.user_ids)}
        users = torch.tensor(
            [index.get(str(u), self.model.unknown_user_index) for u in user_ids], dtype=torch.long
        )
        rows_tensor = torch.from_numpy(np.array(rows, dtype=np.int64))
        scores = [
            self.model.score_encoded(
                users[start : start + SCORE_BATCH].to(device),
                tweets[rows_tensor[start : start + SCORE_BATCH].to(tweets.device)],
            )
            for start in range(0, len(users), SCORE_BATCH)
        ]
        return torch.cat(scores).double().cpu().numpy() if scores else np.zeros(0)

    def save(self, folder: Path) -> None:
        _write(
            folder,
            "amnl_plus",
            self.model,
            {"config": asdict(self.model.config), "user_ids": self.user_ids},
        )

    @classmethod
    def load(cls, folder: Path) -> AmnlPlusPackage:
        meta, state, _ = _read(folder, "amnl_plus")
        config = AMNLPlusConfig(**meta["config"])
        model = AMNLPlus(config, state["ranking.followees"][: config.n_users])
        model.load_state_dict(state)
        return cls(model=model.eval(), user_ids=list(meta["user_ids"]))


# --- VBPR -------------------------------------------------------------------------------------


def save_vbpr(trained: TrainedVbpr, folder: Path) -> None:
    meta = {
        "config": _config_json(trained.model.config),
        "user_ids": trained.user_ids,
        "item_ids": trained.item_ids,
    }
    _write(folder, "vbpr", trained.model, meta)


def load_vbpr(folder: Path) -> TrainedVbpr:
    meta, state, _ = _read(folder, "vbpr")
    model = VBPR(VBPRConfig(**meta["config"]))
    model.load_state_dict(state)
    return TrainedVbpr(model=model.eval(), user_ids=meta["user_ids"], item_ids=meta["item_ids"])


# --- CITING stand-in --------------------------------------------------------------------------


def save_citing(trained: TrainedCiting, folder: Path) -> None:
    meta = {"config": _config_json(trained.model.config), "user_ids": trained.user_ids}
    _write(folder, "citing", trained.model, meta)


def load_citing(folder: Path) -> TrainedCiting:
    meta, state, _ = _read(folder, "citing")
    model = Citing(CitingConfig(**_with_tuples(meta["config"], "modalities")))
    model.load_state_dict(state)
    return TrainedCiting(model=model.eval(), user_ids=meta["user_ids"])


# --- D-Sempre ---------------------------------------------------------------------------------


def save_dsempre(trained: TrainedDSempre, folder: Path) -> None:
    """Weights (BatchNorm statistics included), the users' bags of clusters and both k-means
    centroid sets (the post clusters only exist when the semantic term was on)."""
    arrays = {
        "user_bags": trained.user_bags.astype(np.float32),
        "user_centroids": trained.user_clusters.centroids,
    }
    if trained.post_clusters is not None:
        arrays["post_centroids"] = trained.post_clusters.centroids
    meta = {
        "config": _config_json(trained.model.config),
        "user_ids": trained.user_ids,
        "user_clusters_normalise": trained.user_clusters.normalise,
        "post_clusters_normalise": (
            None if trained.post_clusters is None else trained.post_clusters.normalise
        ),
    }
    _write(folder, "dsempre", trained.model, meta, **arrays)


def load_dsempre(folder: Path) -> TrainedDSempre:
    meta, state, arrays = _read(folder, "dsempre")
    model = DSempre(DSempreConfig(**_with_tuples(meta["config"], "modalities")))
    model.load_state_dict(state)
    post = None
    if "post_centroids" in arrays:
        post = SemanticClusters(arrays["post_centroids"], bool(meta["post_clusters_normalise"]))
    return TrainedDSempre(
        model=model.eval(),
        user_ids=meta["user_ids"],
        user_bags=arrays["user_bags"],
        user_clusters=SemanticClusters(
            arrays["user_centroids"], bool(meta["user_clusters_normalise"])
        ),
        post_clusters=post,
    )


def distinct_tweet_rows(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """``(rows, tweets)``: one row per distinct ``tweet_id`` of ``frame`` (first occurrence)
    and, for every row of ``frame``, the position of its tweet among them."""
    codes, _ = pd.factorize(frame["tweet_id"])
    first = pd.Series(np.arange(len(frame))).groupby(codes).first().to_numpy()
    return codes.astype(np.int64), frame.iloc[first].reset_index(drop=True)
