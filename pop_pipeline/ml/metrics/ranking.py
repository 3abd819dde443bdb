"""Per-user ranking metrics: Precision@K and AUC of the AMNL protocol (paper 000 §III-B),
Precision@K and Recall@K of the D-Sempre protocol (paper 003 §4.1, eqs. 5–6).

Input is a long frame with one row per (user, candidate tweet): ``user_id``, ``tweet_id``,
``label`` (1 = retweeted, 0 = sampled negative) and ``score`` (higher = ranked first). For each
user all of that user's test candidates (every positive and its sampled negatives) are pooled
and ranked by score; each metric is computed per user and averaged over the users for which it
is defined.

Ties are resolved by their expectation under uniformly random tie-breaking, so results are
deterministic and a constant scorer scores exactly the random baseline. Rows are taken as given:
a tweet listed twice for a user counts twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("user_id", "tweet_id", "label", "score")
AMNL_METRICS = ("p@1", "p@3", "auc")  # paper 000, Tables I–III
DSEMPRE_METRICS = ("p@1", "p@5", "p@10", "recall@1", "recall@5", "recall@10")  # paper 003 §4
DEFAULT_METRICS = AMNL_METRICS


@dataclass(frozen=True)
class RankedCandidates:
    """Each candidate's position among its user's candidates, plus per-user counts."""

    user_ids: np.ndarray  # the users, indexed by user code
    user_code: np.ndarray  # per row: index into user_ids
    label: np.ndarray  # per row: 1.0 positive, 0.0 negative
    n_above: np.ndarray  # per row: the user's candidates with a strictly higher score
    n_tied: np.ndarray  # per row: the user's candidates with an equal score, itself included
    ascending_midrank: np.ndarray  # per row: 1-based rank by ascending score, ties averaged
    n_candidates: np.ndarray  # per user
    n_positives: np.ndarray  # per user

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> RankedCandidates:
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"ranking frame lacks columns {missing}")
        label = frame["label"].to_numpy(dtype=np.float64)
        if not np.isin(label, (0.0, 1.0)).all():
            raise ValueError("labels must be 0 or 1")
        scores = frame["score"].astype(np.float64)
        if scores.isna().any():
            raise ValueError("scores must not be NaN")
        user_code, user_ids = pd.factorize(frame["user_id"], sort=True)
        by_user = scores.groupby(user_code)
        above = by_user.rank(method="min", ascending=False).to_numpy() - 1.0
        last = by_user.rank(method="max", ascending=False).to_numpy()
        n_users = len(user_ids)
        return cls(
            user_ids=np.asarray(user_ids),
            user_code=user_code,
            label=label,
            n_above=above,
            n_tied=last - above,
            ascending_midrank=by_user.rank(method="average", ascending=True).to_numpy(),
            n_candidates=np.bincount(user_code, minlength=n_users),
            n_positives=np.bincount(user_code, weights=label, minlength=n_users),
        )

    def per_user_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.user_code, weights=values, minlength=len(self.user_ids))


class RankingMetric(ABC):
    """A per-user ranking metric; ``per_user`` returns NaN for users it excludes."""

    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True

    @abstractmethod
    def per_user(self, ranked: RankedCandidates) -> np.ndarray: ...


class PrecisionAtK(RankingMetric):
    """Precision@K ``= |top-K ∩ positives| / K`` per user.

    Ties at the cut are expected values: a candidate with ``a`` candidates strictly above it and
    ``t`` tied with it (itself included) is in the top K with probability
    ``clip((K − a) / t, 0, 1)``, so ``P@K = Σ_pos clip((K − a)/t, 0, 1) / K``.
    Users with fewer than K candidates or no positive are excluded.
    """

    k: ClassVar[int]

    def per_user(self, ranked: RankedCandidates) -> np.ndarray:
        in_top_k = np.clip((self.k - ranked.n_above) / ranked.n_tied, 0.0, 1.0)
        precision = ranked.per_user_sum(ranked.label * in_top_k) / self.k
        defined = (ranked.n_candidates >= self.k) & (ranked.n_positives > 0)
        return np.where(defined, precision, np.nan)


class PrecisionAt1(PrecisionAtK):
    __doc__ = PrecisionAtK.__doc__
    name = "p@1"
    k = 1


class PrecisionAt3(PrecisionAtK):
    __doc__ = PrecisionAtK.__doc__
    name = "p@3"
    k = 3


class PrecisionAt5(PrecisionAtK):
    __doc__ = PrecisionAtK.__doc__
    name = "p@5"
    k = 5


class PrecisionAt10(PrecisionAtK):
    __doc__ = PrecisionAtK.__doc__
    name = "p@10"
    k = 10


class RecallAtK(RankingMetric):
    """Recall@K ``= |top-K ∩ positives| / |positives|`` per user (paper 003 eq. 6).

    Ties at the cut are expected values as in :class:`PrecisionAtK`:
    ``R@K = Σ_pos clip((K − a)/t, 0, 1) / P`` for a user with P positives. Users with fewer
    than K candidates or no positive are excluded, so P@K and R@K average over the same users.
    """

    k: ClassVar[int]

    def per_user(self, ranked: RankedCandidates) -> np.ndarray:
        in_top_k = np.clip((self.k - ranked.n_above) / ranked.n_tied, 0.0, 1.0)
        hits = ranked.per_user_sum(ranked.label * in_top_k)
        defined = (ranked.n_candidates >= self.k) & (ranked.n_positives > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            recall = hits / ranked.n_positives
        return np.where(defined, recall, np.nan)


class RecallAt1(RecallAtK):
    __doc__ = RecallAtK.__doc__
    name = "recall@1"
    k = 1


class RecallAt5(RecallAtK):
    __doc__ = RecallAtK.__doc__
    name = "recall@5"
    k = 5


class RecallAt10(RecallAtK):
    __doc__ = RecallAtK.__doc__
    name = "recall@10"
    k = 10


class AUC(RankingMetric):
    """AUC per user ``= (1 / (P·N)) Σ_{pos, neg} [1(s⁺ > s⁻) + ½·1(s⁺ = s⁻)]``.

    Computed as Mann–Whitney ``U / (P·N)`` with ``U = Σ_pos midrank − P(P+1)/2`` (ascending
    ranks, ties averaged). Users with no positive or no negative are excluded.
    """

    name = "auc"

    def per_user(self, ranked: RankedCandidates) -> np.ndarray:
        n_pos = ranked.n_positives
        n_neg = ranked.n_candidates - n_pos
        rank_sum = ranked.per_user_sum(ranked.label * ranked.ascending_midrank)
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


RANKING_METRICS: dict[str, type[RankingMetric]] = {
    metric.name: metric
    for metric in (
        PrecisionAt1,
        PrecisionAt3,
        PrecisionAt5,
        PrecisionAt10,
        RecallAt1,
        RecallAt5,
        RecallAt10,
        AUC,
    )
}


def _metric(name: str) -> RankingMetric:
    try:
        return RANKING_METRICS[name]()
    except KeyError:
        raise KeyError(
            f"unknown ranking metric {name!r}; known: {sorted(RANKING_METRICS)}"
        ) from None


def per_user_ranking_metrics(
    frame: pd.DataFrame, metrics: Sequence[str] = DEFAULT_METRICS
) -> pd.DataFrame:
    """One row per user (index ``user_id``), one column per metric; NaN where excluded."""
    ranked = RankedCandidates.from_frame(frame)
    values = {name: _metric(name).per_user(ranked) for name in metrics}
    return pd.DataFrame(values, index=pd.Index(ranked.user_ids, name="user_id"))


def ranking_metrics(
    frame: pd.DataFrame, metrics: Sequence[str] = DEFAULT_METRICS
) -> dict[str, float]:
    """Each metric averaged over the users for which it is defined (NaN when none is)."""
    table = per_user_ranking_metrics(frame, metrics)
    return {
        name: float(table[name].mean()) if table[name].notna().any() else float("nan")
        for name in metrics
    }


def dsempre_ranking_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """The D-Sempre table (paper 003 §4.1): P@1/5/10 and Recall@1/5/10, each the mean over users.

    ``frame`` holds, per user, all of that user's test positives (the most recent actions) and
    their time-aware negatives, with ``label`` and ``score``. "We compute the average of all the
    data' precision and recall in the test dataset": here the mean over the users for which a
    metric is defined (per-user values: ``per_user_ranking_metrics(frame, DSEMPRE_METRICS)``).
    """
    return ranking_metrics(frame, DSEMPRE_METRICS)
