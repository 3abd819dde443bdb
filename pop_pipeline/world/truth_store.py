"""The ``oracle/`` folder: the latent truth on disk, written by the generator, read by the oracle.

Layout (all arrays ``.npy``, indexed by user index, edge or tweet index):

- ``world.json``: format version, seed, times (ms), sizes, id bases, session salt, the
  engagement config (both weight sets) and the taxonomy's names, words and parents;
- ``concept_vectors.npy`` (n_concepts, D), ``trend_grid.npy`` (n_concepts, n_hours);
- ``users/``: interests, interest_concepts, interest_weights, activity, attention,
  session_period_ms, session_phase_ms, posting_weight, skill, celebrity, created_ms;
- ``follows/``: source, target, tie (sorted by source, target);
- ``tweets/``: created_ms, author, concept, caption_concept, content (float32),
  image_quality (float32), text_quality (float32), has_image — streamed chunk by chunk.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.engagement import TweetLatent
from pop_pipeline.world.latent_world import LatentWorld
from pop_pipeline.world.raw_format import FORMAT_VERSION, TWEET_ID_BASE, USER_ID_BASE, dumps
from pop_pipeline.world.raw_writer import FileLedger, NpyStreamWriter

ORACLE_DIR = "oracle"
USER_ARRAYS = (
    "interests",
    "interest_concepts",
    "interest_weights",
    "activity",
    "attention",
    "session_period_ms",
    "session_phase_ms",
    "posting_weight",
    "skill",
    "celebrity",
    "created_ms",
)
TWEET_ARRAYS: dict[str, tuple[np.dtype, bool]] = {  # name -> (dtype, has a latent_dim axis)
    "created_ms": (np.dtype(np.int64), False),
    "author": (np.dtype(np.int32), False),
    "concept": (np.dtype(np.int32), False),
    "caption_concept": (np.dtype(np.int32), False),
    "content": (np.dtype(np.float32), True),
    "image_quality": (np.dtype(np.float32), False),
    "text_quality": (np.dtype(np.float32), False),
    "has_image": (np.dtype(np.bool_), False),
}


def write_static_truth(ledger: FileLedger, config: WorldConfig, world: LatentWorld) -> None:
    """Write everything of ``oracle/`` except the tweets."""
    meta = {
        "format_version": FORMAT_VERSION,
        "preset": config.preset,
        "seed": config.seed,
        "start_ms": world.clock.start_ms,
        "end_ms": world.clock.end_ms,
        "collected_ms": world.clock.collected_ms,
        "n_users": world.population.n_users,
        "n_tweets": config.content.n_tweets,
        "latent_dim": int(world.taxonomy.concept_vectors.shape[1]),
        "user_id_base": USER_ID_BASE,
        "tweet_id_base": TWEET_ID_BASE,
        "session_salt": world.session_salt,
        "engagement": dataclasses.asdict(config.engagement),
        "taxonomy": world.taxonomy.to_json(),
    }
    ledger.write_bytes(f"{ORACLE_DIR}/world.json", (dumps(meta) + "\n").encode("utf-8"))
    ledger.write_npy(f"{ORACLE_DIR}/concept_vectors.npy", world.taxonomy.concept_vectors)
    ledger.write_npy(f"{ORACLE_DIR}/trend_grid.npy", world.trends.grid)
    for name in USER_ARRAYS:
        ledger.write_npy(f"{ORACLE_DIR}/users/{name}.npy", getattr(world.population, name))
    for name in ("source", "target", "tie"):
        ledger.write_npy(f"{ORACLE_DIR}/follows/{name}.npy", getattr(world.graph, name))


class TweetTruthWriter:
    """Streams the tweets' latent truth into ``oracle/tweets/*.npy``."""

    def __init__(self, ledger: FileLedger, n_tweets: int, latent_dim: int) -> None:
        self._streams = {
            name: NpyStreamWriter(
                ledger,
                f"{ORACLE_DIR}/tweets/{name}.npy",
                (n_tweets, latent_dim) if wide else (n_tweets,),
                dtype,
            )
            for name, (dtype, wide) in TWEET_ARRAYS.items()
        }

    def append(self, tweets: list[TweetLatent]) -> None:
        columns = {
            "created_ms": [t.created_ms for t in tweets],
            "author": [t.author for t in tweets],
            "concept": [t.concept for t in tweets],
            "caption_concept": [t.caption_concept for t in tweets],
            "content": np.stack([t.content for t in tweets]),
            "image_quality": [t.image_quality for t in tweets],
            "text_quality": [t.text_quality for t in tweets],
            "has_image": [t.has_image for t in tweets],
        }
        for name, stream in self._streams.items():
            stream.append(np.asarray(columns[name]))

    def close(self) -> None:
        for stream in self._streams.values():
            stream.close()


@dataclass(frozen=True)
class StoredTruth:
    """The contents of an ``oracle/`` folder."""

    meta: dict[str, Any]  # world.json
    concept_vectors: np.ndarray  # (n_concepts, D)
    trend_grid: np.ndarray  # (n_concepts, n_hours)
    users: dict[str, np.ndarray]  # USER_ARRAYS
    follows: dict[str, np.ndarray]  # source, target, tie
    tweets: dict[str, np.ndarray]  # TWEET_ARRAYS (memory-mapped)


def read_truth(oracle_dir: Path) -> StoredTruth:
    """Load an ``oracle/`` folder (tweet arrays are memory-mapped)."""
    root = Path(oracle_dir)
    meta = json.loads((root / "world.json").read_text(encoding="utf-8"))
    return StoredTruth(
        meta=meta,
        concept_vectors=np.load(root / "concept_vectors.npy"),
        trend_grid=np.load(root / "trend_grid.npy"),
        users={name: np.load(root / "users" / f"{name}.npy") for name in USER_ARRAYS},
        follows={n: np.load(root / "follows" / f"{n}.npy") for n in ("source", "target", "tie")},
        tweets={
            name: np.load(root / "tweets" / f"{name}.npy", mmap_mode="r") for name in TWEET_ARRAYS
        },
    )
