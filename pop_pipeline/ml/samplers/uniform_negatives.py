"""Uniform negatives: the sampler BPR-style baselines use and D-Sempre argues against.

D-Sempre (paper 003 §4.1) contrasts its time-aware negatives with "uniform sampling that is
widely used for sampling negative instances"; BPR (and VBPR) draw their negatives this way.

For each positive ``(user u, tweet p, retweeted_at t)``, ``n_negatives`` distinct tweets are
drawn uniformly, without replacement, from the tweets u never acted on (``acted`` plus the
positives) and did not author; with ``cutoff`` only among tweets posted at or before it (what
was known at training time). A positive with fewer candidates keeps all of them and is listed
in ``short`` (reason ``too_few_unacted_posts``).

Vectorised without expanding each user's (large) candidate set: a user's excluded tweets are
few, so the j-th allowed tweet is found by ``searchsorted`` over the excluded codes (the j-th
tweet not excluded is ``j + #{excluded e_i : e_i − i ≤ j}`` for the sorted excluded ``e``).
Deterministic: inputs are sorted first, so the result depends only on content and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pop_pipeline.ml.samplers.base import TRIPLET_COLUMNS, NegativeSample, NegativeSampler
from pop_pipeline.ml.samplers.followee_negatives import sample_distinct_offsets
from pop_pipeline.ml.samplers.sampling_inputs import (
    acted_pairs,
    check_n_negatives,
    encode,
    exclusive_cumsum,
    pair_keys,
    short_frame,
    sorted_positives,
    sorted_tweets,
    utc_nanoseconds,
)

POOL_UNIFORM = "uniform"
REASON_TOO_FEW_CANDIDATES = "too_few_unacted_posts"


@dataclass(frozen=True, kw_only=True)
class UniformNegativeSampler(NegativeSampler):
    """Uniform negatives among the posts a user did not act on; see the module docstring."""

    name = "uniform"
    keeps_partial = True

    seed: int  # of the numpy Generator behind every draw
    n_negatives: int = 10  # as many as the time-aware sampler, so the two compare
    cutoff: pd.Timestamp | None = None  # only tweets posted at or before it; None = all

    def sample(
        self,
        positives: pd.DataFrame,
        tweets: pd.DataFrame,
        *,
        acted: pd.DataFrame | None = None,
        follows: pd.DataFrame | None = None,
    ) -> NegativeSample:
        """``follows`` is not used."""
        return sample_uniform_negatives(
            positives,
            tweets,
            acted=acted,
            n_negatives=self.n_negatives,
            cutoff=self.cutoff,
            seed=self.seed,
        )


def _nth_allowed(
    user: np.ndarray, offset: np.ndarray, excluded_keys: np.ndarray, n_tweets: int
) -> np.ndarray:
    """The tweet code of the ``offset``-th tweet (0-based) not excluded for ``user``.

    ``excluded_keys`` are the sorted distinct ``user * n_tweets + tweet`` keys to skip.
    """
    excluded_user = excluded_keys // max(n_tweets, 1)
    excluded_tweet = excluded_keys % max(n_tweets, 1)
    group_start = exclusive_cumsum(np.bincount(excluded_user, minlength=int(user.max()) + 1))
    shifted = excluded_tweet - (np.arange(len(excluded_keys)) - group_start[excluded_user])
    stride = n_tweets + 1  # shifted lies in [0, n_tweets - 1]
    keys = excluded_user * stride + shifted  # ascending: by user, then non-decreasing shift
    skipped = np.searchsorted(keys, user * stride + offset, side="right") - np.searchsorted(
        keys, user * stride, side="left"
    )
    return offset + skipped


def sample_uniform_negatives(
    positives: pd.DataFrame,
    tweets: pd.DataFrame,
    *,
    acted: pd.DataFrame | None = None,
    n_negatives: int = 10,
    cutoff: pd.Timestamp | None = None,
    seed: int,
) -> NegativeSample:
    """Up to ``n_negatives`` uniform negatives per positive; see the module docstring.

    Args:
        positives: ``user_id``, ``tweet_id``, ``retweeted_at``.
        tweets: the candidate pool, ``tweet_id``, ``author_id``, ``created_at``.
        acted: ``user_id``, ``tweet_id`` of every known action (never negatives of that user).
        n_negatives: negatives wanted per positive.
        cutoff: only tweets with ``created_at <= cutoff`` (naive = UTC); None = every tweet.
        seed: seed of the ``numpy.random.Generator`` used for every draw.
    """
    check_n_negatives(n_negatives)
    pos = sorted_positives(positives)
    tweet_table = sorted_tweets(tweets)
    if cutoff is not None:
        limit = utc_nanoseconds(pd.Series([cutoff], name="cutoff"))[0]
        tweet_table = tweet_table[tweet_table["_t"] <= limit].reset_index(drop=True)
    tweet_ids = tweet_table["tweet_id"].to_numpy(dtype=object)
    n_tweets = len(tweet_ids)
    users = np.sort(np.asarray(pos["user_id"].unique(), dtype=object))
    pos_user = encode(pos["user_id"], users)

    actions = acted_pairs(positives, acted)
    acted_keys = pair_keys(
        encode(actions["user_id"], users), encode(actions["tweet_id"], tweet_ids), n_tweets
    )
    author_as_user = encode(tweet_table["author_id"], users)
    own_keys = pair_keys(author_as_user, np.arange(n_tweets), n_tweets)
    excluded = np.concatenate([acted_keys, own_keys])
    excluded = np.unique(excluded[excluded >= 0])
    n_excluded = np.bincount(excluded // max(n_tweets, 1), minlength=len(users))
    n_found = np.minimum(n_tweets - n_excluded[pos_user], n_negatives)

    rng = np.random.default_rng(seed)
    offsets = np.full((len(pos), n_negatives), -1, dtype=np.int64)
    full = np.flatnonzero(n_found == n_negatives)
    offsets[full] = sample_distinct_offsets(rng, n_tweets - n_excluded[pos_user[full]], n_negatives)
    partial = n_found < n_negatives  # every candidate, in tweet order
    offsets[partial] = np.where(
        np.arange(n_negatives) < n_found[partial, None], np.arange(n_negatives), -1
    )

    row, rank = np.nonzero(offsets >= 0)
    tweet = (
        _nth_allowed(pos_user[row], offsets[row, rank], excluded, n_tweets)
        if len(row)
        else np.empty(0, dtype=np.int64)
    )
    triplets = pd.DataFrame(
        {
            "user_id": pos["user_id"].to_numpy()[row],
            "pos_tweet_id": pos["tweet_id"].to_numpy()[row],
            "neg_tweet_id": tweet_ids[tweet],
            "retweeted_at": pos["retweeted_at"].to_numpy()[row],
            "negative_rank": rank.astype(np.int64),
            "pool": POOL_UNIFORM,
        },
        columns=TRIPLET_COLUMNS,
    )
    short_rows = np.flatnonzero(partial)
    short = short_frame(pos, short_rows, n_found[short_rows], REASON_TOO_FEW_CANDIDATES)
    return NegativeSample(triplets=triplets, short=short)
