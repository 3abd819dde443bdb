"""The interface every negative sampler implements, and the frames they exchange.

A sampler turns positives (a user acted on a tweet at some time) into triplets
``(user, positive tweet, negative tweet)`` for training, or into test candidate lists. Models
never sample (STYLE.md, RecBole): they declare what they need, and an asset picks a sampler.

A sampler is a frozen dataclass whose fields are all of its parameters, the seed included, so
``params()`` is everything needed to reproduce a draw and is logged to MLflow as ``sampler.*``.
``with_seed`` gives the same sampler with another seed (e.g. ``seed + 1`` for the test draw).

Inputs of :meth:`NegativeSampler.sample` (ids are cast to ``str``; times are datetimes or
ISO 8601 strings, naive = UTC):

- ``positives``: ``user_id``, ``tweet_id``, ``retweeted_at``; rows are positives one-to-one;
- ``tweets``: every tweet that may be a negative: ``tweet_id``, ``author_id``, ``created_at``;
- ``acted``: ``user_id``, ``tweet_id`` of every known action; a tweet a user acted on (or is
  a positive of that user) is never that user's negative. ``None`` = only the positives;
- ``follows``: ``source_user_id``, ``target_user_id`` (source follows target); only the
  samplers that use the follow graph require it.

Output (:class:`NegativeSample`): ``triplets`` with :data:`TRIPLET_COLUMNS`, one row per
negative, and ``short`` with :data:`SHORT_COLUMNS`, one row per positive that got fewer than
``n_negatives`` negatives. Samplers differ on what a short positive keeps
(``keeps_partial``): the followee sampler keeps none of them, the others keep all they found.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Self

import pandas as pd

TRIPLET_COLUMNS = [
    "user_id",  # the acting user
    "pos_tweet_id",  # the tweet the user acted on
    "neg_tweet_id",  # the sampled tweet the user did not act on
    "retweeted_at",  # time of the positive action
    "negative_rank",  # 0, 1, … in draw order within one positive
    "pool",  # which candidate pool the negative came from (sampler-specific label)
]
SHORT_COLUMNS = ["user_id", "pos_tweet_id", "retweeted_at", "n_found", "reason"]
PARAM_PREFIX = "sampler."

ParamValue = str | int | float


@dataclass(frozen=True)
class NegativeSample:
    """Result of :meth:`NegativeSampler.sample`."""

    triplets: pd.DataFrame  # TRIPLET_COLUMNS
    short: pd.DataFrame  # SHORT_COLUMNS: positives with n_found < n_negatives, and why

    @property
    def n_negatives_by_pool(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.triplets["pool"].value_counts().items()}


class NegativeSampler(ABC):
    """A seeded negative sampler; subclasses are frozen dataclasses of their parameters.

    Every subclass has the fields ``n_negatives`` (negatives wanted per positive) and ``seed``
    (of the ``numpy.random.Generator`` behind every draw).
    """

    name: ClassVar[str]  # short name, logged as ``sampler.name``
    keeps_partial: ClassVar[bool]  # whether a short positive keeps the negatives it found
    n_negatives: int
    seed: int

    @abstractmethod
    def sample(
        self,
        positives: pd.DataFrame,
        tweets: pd.DataFrame,
        *,
        acted: pd.DataFrame | None = None,
        follows: pd.DataFrame | None = None,
    ) -> NegativeSample:
        """Negatives for each positive; see the module docstring for the frames."""

    def params(self) -> dict[str, ParamValue]:
        """``sampler.name`` and every field as ``sampler.<field>`` (``None`` → ``"none"``,
        timestamps as ISO 8601), ready for ``mlflow.log_params``."""
        values: dict[str, ParamValue] = {f"{PARAM_PREFIX}name": self.name}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            values[f"{PARAM_PREFIX}{field.name}"] = _param_value(getattr(self, field.name))
        return values

    def with_seed(self, seed: int) -> Self:
        """The same sampler drawing with ``seed``."""
        return dataclasses.replace(self, seed=seed)  # type: ignore[type-var]


def _param_value(value: object) -> ParamValue:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
