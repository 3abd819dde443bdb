"""HisAve: predict a tweet's popularity as its author's historical average.

The first baseline of UHAN (paper 002 §4.1.3): "HisAve ... regards historical average
popularity as prediction. It provides benchmark performance for other methods." The history is
the training split: a tweet's prediction is the mean training target of its author's tweets;
an author without training tweets (an unseen user) gets the global mean training target.
No parameters are learned beyond these means, so there is no randomness to seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

SERIALIZATION_KIND = "hisave"
SERIALIZATION_VERSION = 1


@dataclass
class HistoricalAverage:
    """Author's mean training target, global mean for unseen authors."""

    author_means: dict[str, float] = field(default_factory=dict)  # author id → mean target
    global_mean: float = 0.0  # mean training target over all training tweets

    def fit(self, author_ids: Sequence[str], targets: npt.ArrayLike) -> Self:
        """Average the training targets per author and overall.

        Raises:
            ValueError: no training tweets, lengths differ, or a target is NaN.
        """
        values = np.asarray(targets, dtype=np.float64)
        if len(values) == 0 or len(values) != len(author_ids):
            raise ValueError(f"{len(author_ids)} authors for {len(values)} targets (need > 0)")
        if np.isnan(values).any():
            raise ValueError("training targets must not be NaN")
        means = pd.Series(values).groupby(pd.Index([str(a) for a in author_ids])).mean()
        self.author_means = {str(author): float(mean) for author, mean in means.items()}
        self.global_mean = float(values.mean())
        return self

    def predict(self, author_ids: Sequence[str]) -> np.ndarray:
        """One prediction per tweet, given the tweets' author ids."""
        return np.array(
            [self.author_means.get(str(a), self.global_mean) for a in author_ids],
            dtype=np.float64,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (``from_dict`` reads it back)."""
        return {
            "kind": SERIALIZATION_KIND,
            "version": SERIALIZATION_VERSION,
            "author_means": dict(self.author_means),
            "global_mean": self.global_mean,
        }

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(params, arrays)`` as the other baselines give them: all JSON, no arrays."""
        return self.to_dict(), {}

    @classmethod
    def from_state(
        cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> HistoricalAverage:
        return cls.from_dict(params)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoricalAverage:
        if data.get("kind") != SERIALIZATION_KIND or data.get("version") != SERIALIZATION_VERSION:
            raise ValueError(f"not a {SERIALIZATION_KIND} v{SERIALIZATION_VERSION} model")
        return cls(
            author_means={str(k): float(v) for k, v in data["author_means"].items()},
            global_mean=float(data["global_mean"]),
        )
