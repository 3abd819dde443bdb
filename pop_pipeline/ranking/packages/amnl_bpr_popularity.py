"""Self-contained model folders: weights, id maps and the CLIP encoder they need.

A package is what a registered model bundles as its MLflow artifact, and what the training
assets write first; :mod:`pop_pipeline.ranking.pyfunc` loads it. Weights are safetensors,
everything else JSON, so loading never unpickles code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from pop_pipeline.ml.clip.encoding import encode_images, encode_texts
from pop_pipeline.ml.clip.factory import ClipBundle
from pop_pipeline.ml.models.ranking.amnl import AMNL, AMNLConfig
from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.models.ranking.popularity_baseline import PopularityRanker
from pop_pipeline.ranking.model_input import amnl_text_vectors, context_texts


def _write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, indent=1, sort_keys=True))


def _index(ids: list[str]) -> dict[str, int]:
    return {value: position for position, value in enumerate(ids)}


@dataclass
class TweetFeatures:
    image: np.ndarray  # [N, d] unit image embeddings (NaN rows: unreadable image)
    text: np.ndarray  # [N, d] max-pooled caption/context text vectors
    failed: list[tuple[int, str]] = field(default_factory=list)  # (row, reason): unreadable


def encode_tweet_features(bundle: ClipBundle, frame: pd.DataFrame) -> TweetFeatures:
    """Encode the photos and texts of ranking-input rows (see ``ranking.model_input``).

    A photo that cannot be read leaves a NaN image row and an entry in ``failed``; the
    callers score the other rows (:func:`pop_pipeline.ranking.model_output.score_readable`).
    """
    images = encode_images(bundle, list(frame["media_uri"]))
    caption = encode_texts(bundle, list(frame["text"]))
    context = encode_texts(bundle, context_texts(frame))
    return TweetFeatures(
        image=images.embeddings,
        text=amnl_text_vectors(caption, context),
        failed=list(images.failed),
    )


# --- AMNL -------------------------------------------------------------------------------------


@dataclass
class AmnlPackage:
    model: AMNL
    user_ids: list[str]

    def user_indices(self, user_ids: pd.Series) -> torch.Tensor:
        index = _index(self.user_ids)
        unknown = self.model.unknown_user_index
        return torch.tensor([index.get(str(u), unknown) for u in user_ids], dtype=torch.long)

    @torch.inference_mode()
    def score(self, user_ids: pd.Series, image: np.ndarray, text: np.ndarray) -> np.ndarray:
        device = next(self.model.parameters()).device
        scores = self.model.score(
            self.user_indices(user_ids).to(device),
            torch.as_tensor(image, dtype=torch.float32, device=device),
            torch.as_tensor(text, dtype=torch.float32, device=device),
        )
        return scores.double().cpu().numpy()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(folder / "amnl.safetensors"))
        config = asdict(self.model.config)
        config["modalities"] = list(config["modalities"])
        _write_json(folder / "amnl.json", {"config": config, "user_ids": self.user_ids})

    @classmethod
    def load(cls, folder: Path) -> AmnlPackage:
        meta = json.loads((folder / "amnl.json").read_text())
        config = AMNLConfig(**{**meta["config"], "modalities": tuple(meta["config"]["modalities"])})
        state = load_file(str(folder / "amnl.safetensors"))
        followees = state["followees"][: config.n_users]
        model = AMNL(config, followees)
        model.load_state_dict(state)
        return cls(model=model.eval(), user_ids=list(meta["user_ids"]))


# --- BPR --------------------------------------------------------------------------------------


@dataclass
class BprPackage:
    model: BPR
    user_ids: list[str]
    item_ids: list[str]

    @torch.inference_mode()
    def score(self, user_ids: pd.Series, tweet_ids: pd.Series) -> np.ndarray:
        users, items = _index(self.user_ids), _index(self.item_ids)
        u = torch.tensor([users.get(str(x), self.model.unknown_user_index) for x in user_ids])
        i = torch.tensor([items.get(str(x), self.model.cold_item_index) for x in tweet_ids])
        device = next(self.model.parameters()).device
        return self.model.score(u.to(device), i.to(device)).double().cpu().numpy()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(folder / "bpr.safetensors"))
        _write_json(
            folder / "bpr.json",
            {
                "config": asdict(self.model.config),
                "user_ids": self.user_ids,
                "item_ids": self.item_ids,
            },
        )

    @classmethod
    def load(cls, folder: Path) -> BprPackage:
        meta = json.loads((folder / "bpr.json").read_text())
        model = BPR(BPRConfig(**meta["config"]))
        model.load_state_dict(load_file(str(folder / "bpr.safetensors")))
        return cls(model=model.eval(), user_ids=meta["user_ids"], item_ids=meta["item_ids"])


# --- popularity -------------------------------------------------------------------------------


def save_popularity(ranker: PopularityRanker, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "popularity.json").write_text(ranker.to_json())


def load_popularity(folder: Path) -> PopularityRanker:
    return PopularityRanker.from_json((folder / "popularity.json").read_text())
