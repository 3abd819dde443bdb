"""When each user checks their feed.

User u checks their feed in sessions roughly every ``period_u`` ms (``86,400,000 /
sessions_per_day``): session k happens at ``start + phase_u + k·period_u + jitter(u, k)``, with
``jitter = (h(u, k) - ½) · JITTER · period_u`` and ``h`` a counter-based hash of the seed, so
session times exist for the whole world without being stored. A post delivered to u is seen,
if at all, at u's next session: posts delivered between two sessions are seen together, and
the ones not retweeted in a session with a retweet were seen and passed over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.seeding import unit_hash

JITTER = 0.8  # sessions move by at most ±40 % of a period, so they stay in order


@dataclass(frozen=True)
class SessionClock:
    """Deterministic feed-check times of every user."""

    start_ms: int  # world start (epoch ms)
    period_ms: np.ndarray  # (n_users,) mean time between two sessions, float64
    phase_ms: np.ndarray  # (n_users,) offset of session 0 from start, float64
    salt: int  # hash salt derived from the world seed

    def __post_init__(self) -> None:
        object.__setattr__(self, "_periods", self.period_ms.tolist())
        object.__setattr__(self, "_phases", self.phase_ms.tolist())

    def next_session(self, user: int, after_ms: int) -> int:
        """First session time of ``user`` strictly after ``after_ms`` (epoch ms)."""
        period = self._periods[user]
        origin = self.start_ms + self._phases[user]
        # Jitter is below ±½ period, so session k - 1 is always before ``after_ms``.
        k = math.floor((after_ms - origin) / period)
        while True:
            jitter = (unit_hash(self.salt, user, k) - 0.5) * JITTER * period
            moment = int(origin + k * period + jitter)
            if moment > after_ms:
                return moment
            k += 1
