"""Time-aware negatives: D-Sempre's negative sampler (paper 003 §4.1, "Dataset"; after its [7]).

The paper: "if a user acted on a post, she/he should also have read other posts that were
posted in close temporal proximity to the acted post. […] given a positive sample which was
retweeted at time t we sample ten non-acted posts in proportion to the time interval Tr centered
at t, i.e., posts closer to t have a higher chance of being selected. Here we set Tr as 60 min."

Here, for each positive ``(user u, tweet p, retweeted_at t)``:

- the anchor ``a`` is ``t`` (``anchor="retweeted_at"``, the paper's reading) or the positive
  tweet's own posting time (``anchor="created_at"``, for protocols that centre the window on
  the post; the positive must then be in ``tweets``, else it is reported short with reason
  ``positive_tweet_not_in_tweets``);
- the candidates are the tweets posted in ``[a − W, a + W]`` (``W = window_minutes``, both ends
  included) that u never acted on (``acted`` plus the positives) and did not author; with
  ``followees_only`` also only tweets whose author u follows (the paper does not restrict the
  authors; the option matches what a user's timeline shows);
- weighting: the paper gives none beyond "closer to t, higher chance". We use the triangular
  kernel ``w(c) = W − |created_at(c) − a|``, so a post at the anchor weighs W, one at ±W/2
  weighs W/2 and one at the window's edges 0;
- ``n_negatives`` (default 10) distinct candidates are drawn by successive sampling proportional
  to ``w`` without replacement (each draw picks a remaining candidate with probability
  ``w / Σ w`` over the remaining ones), implemented with exponential keys ``E / w`` (E ~ Exp(1))
  of which the smallest win (Efraimidis–Spirakis). Zero-weight candidates (exactly ±W) come
  after every positive-weight one, in uniformly random order;
- a positive with fewer than ``n_negatives`` candidates keeps all of them (in the order the
  draw ranks them) and is listed in ``short`` with ``n_found`` and a reason
  (``no_unacted_posts_in_window`` or ``too_few_unacted_posts_in_window``); nothing is invented.

Vectorised: tweets are sorted by time and each window is a ``searchsorted`` range; the
(positive, window tweet) keys are laid out row by row and the smallest picked with one
``argpartition``, in chunks of positives of at most :data:`MAX_CELLS_PER_CHUNK` keys, so
memory stays bounded on large worlds (one Exp(1) number is drawn per window tweet, in the same
order whatever the chunking, so chunking does not change the draw). Deterministic: inputs are
sorted by their ids and times first, so the result depends only on the frames' content and
``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pop_pipeline.ml.samplers.base import TRIPLET_COLUMNS, NegativeSample, NegativeSampler
from pop_pipeline.ml.samplers.sampling_inputs import (
    acted_pairs,
    check_n_negatives,
    contains,
    encode,
    exclusive_cumsum,
    pair_keys,
    short_frame,
    sorted_positives,
    sorted_tweets,
)

POOL_TIME_WINDOW = "time_window"
REASON_POSITIVE_NOT_IN_TWEETS = "positive_tweet_not_in_tweets"
REASON_NO_CANDIDATES = "no_unacted_posts_in_window"
REASON_TOO_FEW_CANDIDATES = "too_few_unacted_posts_in_window"
MAX_CELLS_PER_CHUNK = 4_000_000  # keys held at once: 32 MB of float64
ZERO_WEIGHT_KEY = 1e6  # key offset of zero-weight candidates (beyond any E / w, w >= 1 ns)
Anchor = Literal["retweeted_at", "created_at"]
PAPER_WINDOW = pd.Timedelta(minutes=60)  # the paper's Tr
PAPER_N_NEGATIVES = 10


@dataclass(frozen=True, kw_only=True)
class TimeAwareNegativeSampler(NegativeSampler):
    """D-Sempre's sampler (paper 003 §4.1); see the module docstring."""

    name = "time_aware"
    keeps_partial = True

    seed: int  # of the numpy Generator behind every draw
    n_negatives: int = 10  # the paper's ten
    window_minutes: float = 60.0  # the paper's Tr: candidates within ±window of the anchor
    anchor: Anchor = "retweeted_at"  # centre of the window: the action (paper) or the post
    followees_only: bool = False  # restrict candidates to tweets by the user's followees

    def sample(
        self,
        positives: pd.DataFrame,
        tweets: pd.DataFrame,
        *,
        acted: pd.DataFrame | None = None,
        follows: pd.DataFrame | None = None,
    ) -> NegativeSample:
        return sample_time_aware_negatives(
            positives,
            tweets,
            acted=acted,
            follows=follows,
            n_negatives=self.n_negatives,
            window=pd.Timedelta(minutes=self.window_minutes),
            anchor=self.anchor,
            followees_only=self.followees_only,
            seed=self.seed,
        )


@dataclass(frozen=True)
class _Candidates:
    """Everything a chunk of positives needs, on integer codes."""

    pos_user: np.ndarray  # user code per positive
    anchor: np.ndarray  # anchor time (ns) per positive
    tweet_time: np.ndarray  # created_at (ns) per tweet code, ascending
    author_as_user: np.ndarray  # per tweet: the author's user code, -1 if not a positive's user
    author: np.ndarray  # per tweet: author code among all authors
    n_authors: int
    acted_keys: np.ndarray  # sorted distinct user * n_tweets + tweet
    follow_keys: np.ndarray | None  # sorted distinct user * n_authors + author; None = anyone


def _draw_chunk(
    rng: np.random.Generator,
    data: _Candidates,
    rows: np.ndarray,
    lo: np.ndarray,
    counts: np.ndarray,
    window_ns: int,
    n_negatives: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(positive row, tweet code, rank) of the drawn negatives and n_found per row of ``rows``.

    The chunk's keys are laid out as a ``[rows, widest window]`` matrix (``inf`` where a slot
    is padding or not a candidate), so the smallest keys of every row come from one
    ``argpartition`` along the rows rather than a sort of every pair.
    """
    n_tweets = len(data.tweet_time)
    local = np.repeat(np.arange(len(rows)), counts)
    within = np.arange(counts.sum()) - np.repeat(exclusive_cumsum(counts), counts)
    pair_tweet = np.repeat(lo, counts) + within
    user = data.pos_user[rows][local]
    allowed = ~contains(data.acted_keys, user * n_tweets + pair_tweet)
    allowed &= data.author_as_user[pair_tweet] != user
    if data.follow_keys is not None:
        allowed &= contains(data.follow_keys, user * data.n_authors + data.author[pair_tweet])

    distance = np.abs(data.tweet_time[pair_tweet] - data.anchor[rows][local])
    weight = (window_ns - distance).astype(np.float64)  # integer ns: positive weights are >= 1
    exponential = rng.standard_exponential(len(local))
    key = ZERO_WEIGHT_KEY + exponential  # after every positive weight's key E / w <= E
    np.divide(exponential, weight, out=key, where=weight > 0)
    key[~allowed] = np.inf

    width = int(counts.max(initial=0))
    keys = np.full((len(rows), width), np.inf)
    keys[local, within] = key
    k = min(n_negatives, width)
    if k < width:
        best = np.argpartition(keys, k - 1, axis=1)[:, :k]
    else:
        best = np.broadcast_to(np.arange(width), (len(rows), width))
    best_keys = np.take_along_axis(keys, best, axis=1)
    order = np.argsort(best_keys, axis=1, kind="stable")
    best = np.take_along_axis(best, order, axis=1)
    chunk_row, rank = np.nonzero(np.isfinite(np.take_along_axis(best_keys, order, axis=1)))
    n_found = np.bincount(local[allowed], minlength=len(rows))
    return rows[chunk_row], lo[chunk_row] + best[chunk_row, rank], rank, n_found


def _chunks(counts: np.ndarray, max_cells: int) -> list[tuple[int, int]]:
    """Consecutive row ranges whose key matrix (rows × widest window) holds at most
    ``max_cells`` cells, or a single row."""
    chunks, start = [], 0
    while start < len(counts):
        ahead = np.maximum(counts[start : start + max_cells], 1)
        cells = np.maximum.accumulate(ahead) * np.arange(1, len(ahead) + 1)
        stop = start + max(int(np.searchsorted(cells, max_cells, side="right")), 1)
        chunks.append((start, stop))
        start = stop
    return chunks


def sample_time_aware_negatives(
    positives: pd.DataFrame,
    tweets: pd.DataFrame,
    *,
    acted: pd.DataFrame | None = None,
    follows: pd.DataFrame | None = None,
    n_negatives: int = PAPER_N_NEGATIVES,
    window: pd.Timedelta = PAPER_WINDOW,
    anchor: Anchor = "retweeted_at",
    followees_only: bool = False,
    seed: int,
) -> NegativeSample:
    """Up to ``n_negatives`` time-aware negatives per positive; see the module docstring.

    Args:
        positives: ``user_id``, ``tweet_id``, ``retweeted_at``.
        tweets: the candidate pool, ``tweet_id``, ``author_id``, ``created_at``.
        acted: ``user_id``, ``tweet_id`` of every known action (never negatives of that user).
        follows: ``source_user_id``, ``target_user_id``; required with ``followees_only``.
        n_negatives: negatives wanted per positive.
        window: half-width W of the window around the anchor.
        anchor: ``"retweeted_at"`` (the paper) or ``"created_at"`` (the positive's post time).
        followees_only: only tweets by authors the user follows.
        seed: seed of the ``numpy.random.Generator`` used for every draw.
    """
    check_n_negatives(n_negatives)
    window_ns = int(pd.Timedelta(window).value)
    if window_ns <= 0:
        raise ValueError(f"window must be positive, got {window}")
    if anchor not in ("retweeted_at", "created_at"):
        raise ValueError(f"anchor must be 'retweeted_at' or 'created_at', got {anchor!r}")
    if followees_only and follows is None:
        raise ValueError("followees_only needs the follows frame")
    pos = sorted_positives(positives)
    tweet_table = sorted_tweets(tweets)
    tweet_ids = tweet_table["tweet_id"].to_numpy(dtype=object)
    tweet_time = tweet_table["_t"].to_numpy()
    users = np.sort(np.asarray(pos["user_id"].unique(), dtype=object))
    authors = np.sort(np.asarray(tweet_table["author_id"].unique(), dtype=object))

    pos_user = encode(pos["user_id"], users)
    if anchor == "retweeted_at":
        anchor_ns, anchored = pos["_t"].to_numpy(), np.ones(len(pos), dtype=bool)
    else:
        pos_tweet = encode(pos["tweet_id"], tweet_ids)
        anchored = pos_tweet >= 0
        anchor_ns = np.zeros(len(pos), dtype=np.int64)
        anchor_ns[anchored] = tweet_time[pos_tweet[anchored]]
    lo = np.searchsorted(tweet_time, anchor_ns - window_ns, side="left")
    hi = np.searchsorted(tweet_time, anchor_ns + window_ns, side="right")
    counts = np.where(anchored, hi - lo, 0)

    actions = acted_pairs(positives, acted)
    acted_keys = pair_keys(
        encode(actions["user_id"], users), encode(actions["tweet_id"], tweet_ids), len(tweet_ids)
    )
    follow_keys = None
    if followees_only and follows is not None:
        edges = follows[["source_user_id", "target_user_id"]].astype(str)
        follow_keys = pair_keys(
            encode(edges["source_user_id"], users),
            encode(edges["target_user_id"], authors),
            len(authors),
        )
        follow_keys = np.unique(follow_keys[follow_keys >= 0])
    data = _Candidates(
        pos_user=pos_user,
        anchor=anchor_ns,
        tweet_time=tweet_time,
        author_as_user=encode(tweet_table["author_id"], users),
        author=encode(tweet_table["author_id"], authors),
        n_authors=len(authors),
        acted_keys=np.unique(acted_keys[acted_keys >= 0]),
        follow_keys=follow_keys,
    )

    rng = np.random.default_rng(seed)
    drawn_rows, drawn_tweets, drawn_ranks = [], [], []
    n_found = np.zeros(len(pos), dtype=np.int64)
    for start, stop in _chunks(counts, MAX_CELLS_PER_CHUNK):
        rows = np.arange(start, stop)
        row, tweet, rank, found = _draw_chunk(
            rng, data, rows, lo[rows], counts[rows], window_ns, n_negatives
        )
        drawn_rows.append(row)
        drawn_tweets.append(tweet)
        drawn_ranks.append(rank)
        n_found[rows] = found
    row = np.concatenate(drawn_rows) if drawn_rows else np.empty(0, dtype=np.int64)
    tweet = np.concatenate(drawn_tweets) if drawn_tweets else np.empty(0, dtype=np.int64)
    rank = np.concatenate(drawn_ranks) if drawn_ranks else np.empty(0, dtype=np.int64)

    triplets = pd.DataFrame(
        {
            "user_id": pos["user_id"].to_numpy()[row],
            "pos_tweet_id": pos["tweet_id"].to_numpy()[row],
            "neg_tweet_id": tweet_ids[tweet],
            "retweeted_at": pos["retweeted_at"].to_numpy()[row],
            "negative_rank": rank.astype(np.int64),
            "pool": POOL_TIME_WINDOW,
        },
        columns=TRIPLET_COLUMNS,
    )
    is_short = n_found < n_negatives
    reason = np.where(
        ~anchored[is_short],
        REASON_POSITIVE_NOT_IN_TWEETS,
        np.where(n_found[is_short] == 0, REASON_NO_CANDIDATES, REASON_TOO_FEW_CANDIDATES),
    )
    short = short_frame(pos, np.flatnonzero(is_short), n_found[is_short], reason)
    return NegativeSample(triplets=triplets, short=short)
