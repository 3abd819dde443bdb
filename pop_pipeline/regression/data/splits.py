"""The train/validation/test splits of the three popularity-regression protocols (DESIGN.md).

``paper001``  Hybrid CNN (paper 001 §4.1): "two equal parts as training data and testing data",
              a seeded random 50/50 split (the odd tweet goes to test); no validation set.
``paper002``  UHAN (paper 002 §4.1.1): "in chronological order ... the first 70% as our training
              dataset. For the rest ..., we randomly adopt one third as the validation dataset
              ... and two thirds as the test dataset": chronological train, then a seeded
              random 1:2 validation:test split of the remaining tweets, as the paper says
              (DESIGN.md's "rest 1:2" leaves the order of the rest open).
``paper004``  DSN (paper 004 §4.1): "split the data chronologically ... 8:1:1": train,
              validation and test in time order.

Chronological order is ``created_at``, ties broken by ``tweet_id`` (as stored, a string).
Split sizes use integer arithmetic: with ``n`` tweets and ratio weights ``w`` the first
``⌊n·w_train / Σw⌋`` tweets train, and validation ends at ``⌊n·(w_train + w_validation) / Σw⌋``.
Random assignments permute the tweets sorted by ``tweet_id`` with
``numpy.random.default_rng(seed)``, so they do not depend on the input order; the seed is
recorded in the ``seed`` column (missing for the purely chronological ``paper004``).

The protocols themselves (ratios, targets, metrics) are data in
:mod:`pop_pipeline.regression.protocols`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pop_pipeline.regression.protocols import PROTOCOLS, RegressionProtocol

SPLITS = ("train", "validation", "test")
DEFAULT_SPLIT_SEED = 2024


def regression_splits(
    tweets: pd.DataFrame,
    protocols: Sequence[str] = tuple(PROTOCOLS),
    seed: int = DEFAULT_SPLIT_SEED,
) -> pd.DataFrame:
    """One row per (protocol, tweet): ``protocol``, ``tweet_id``, ``split``, ``seed``.

    Args:
        tweets: columns ``tweet_id`` (unique) and ``created_at``.
        protocols: names from :data:`PROTOCOLS`.
        seed: seed of the random parts (``paper001``'s split, ``paper002``'s rest).

    Rows are in protocol order, then chronological order.
    """
    if tweets["tweet_id"].duplicated().any():
        raise ValueError("tweet ids must be unique")
    ordered = (
        tweets.assign(tweet_id=tweets["tweet_id"].astype(str))
        .sort_values(["created_at", "tweet_id"])
        .reset_index(drop=True)
    )
    frames = []
    for name in protocols:
        try:
            protocol = PROTOCOLS[name]
        except KeyError:
            raise KeyError(f"unknown protocol {name!r}; known: {sorted(PROTOCOLS)}") from None
        split = _assign(ordered["tweet_id"].to_numpy(), protocol, seed)
        uses_seed = not (protocol.chronological_train and protocol.chronological_rest)
        frames.append(
            pd.DataFrame(
                {
                    "protocol": name,
                    "tweet_id": ordered["tweet_id"].to_numpy(),
                    "split": split,
                    "seed": pd.array([seed if uses_seed else pd.NA] * len(ordered), "Int64"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {"protocol": [], "tweet_id": [], "split": [], "seed": pd.array([], "Int64")}
        )
    return pd.concat(frames, ignore_index=True)


def _assign(chronological_ids: np.ndarray, protocol: RegressionProtocol, seed: int) -> np.ndarray:
    """The split of each tweet, given the tweet ids in chronological order."""
    n = len(chronological_ids)
    total = sum(protocol.ratio)
    n_train = n * protocol.ratio[0] // total
    n_validation = n * (protocol.ratio[0] + protocol.ratio[1]) // total - n_train
    rng = np.random.default_rng(seed)
    if protocol.chronological_train:
        train_positions = np.arange(n_train)
        rest = np.arange(n_train, n)
    else:
        by_id = np.argsort(chronological_ids, kind="stable")
        shuffled = by_id[rng.permutation(n)]
        train_positions, rest = shuffled[:n_train], np.sort(shuffled[n_train:])
    if not protocol.chronological_rest:
        by_id = rest[np.argsort(chronological_ids[rest], kind="stable")]
        rest = by_id[rng.permutation(len(rest))]
    split = np.empty(n, dtype=object)
    split[train_positions] = "train"
    split[rest[:n_validation]] = "validation"
    split[rest[n_validation:]] = "test"
    return split
