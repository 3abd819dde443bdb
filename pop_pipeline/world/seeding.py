"""Random streams: every draw of a world derives from its one seed.

Each stage (taxonomy, users, follow graph, each tweet's content, image, text and cascade, the
oracle's Monte Carlo draws) gets its own child generator keyed by ``(stage, *indices)``, so
stages are independent of each other and of how the work is chunked: the same config and
seed give the same world whatever the chunk size.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stage(IntEnum):
    """Stage keys of the child random streams (never renumber: worlds would change)."""

    TAXONOMY = 1
    TRENDS = 2
    USERS = 3
    USER_TEXT = 4
    FOLLOWS = 5
    TWEET_TIMES = 6
    TWEET_CONTENT = 7
    TWEET_IMAGE = 8
    TWEET_TEXT = 9
    CASCADE = 10
    REPLY_TEXT = 11
    SESSIONS = 12
    ORACLE_CASCADE = 13


def stage_rng(seed: int, stage: Stage, *indices: int) -> np.random.Generator:
    """The child generator of ``stage`` (and optional indices, e.g. a tweet index)."""
    sequence = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(stage), *map(int, indices)))
    return np.random.Generator(np.random.PCG64(sequence))


def stage_salt(seed: int, stage: Stage) -> int:
    """A 64-bit integer derived from the seed, for counter-based hashing (``unit_hash``)."""
    sequence = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(stage),))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


_MASK64 = (1 << 64) - 1


def unit_hash(salt: int, a: int, b: int) -> float:
    """A uniform number in [0, 1) fixed by ``(salt, a, b)`` (SplitMix64 finaliser)."""
    x = (salt ^ (a * 0x9E3779B97F4A7C15) ^ (b * 0xC2B2AE3D27D4EB4F)) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    x ^= x >> 31
    return (x >> 11) * (1.0 / (1 << 53))
