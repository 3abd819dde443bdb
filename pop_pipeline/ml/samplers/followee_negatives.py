"""Followee negatives: AMNL's negative sampler (paper 000 §II-A, §III-A).

For each retweet ``(user j, tweet i, retweeted_at t)`` the paper samples two image tweets of
j's followees that j did not retweet ("more likely to be seen but disliked"). Here:

- the candidates of j are the tweets whose author j follows (self-follows ignored) and that j
  never retweeted according to ``all_retweets`` (nor in ``retweets`` itself);
- pool ``"recent"`` (only with ``max_age``): the candidates posted in ``[t − max_age, t]``, what
  j most likely saw in their timeline around the retweet. When it holds at least
  ``n_negatives`` tweets, they are drawn uniformly from it. Without a window, negatives of a
  late positive are mostly old tweets, and a model can rank "new beats old" instead of
  preference (a collaborative model scores every unseen, i.e. recent, tweet above every
  trained negative); the window is our addition, the paper does not say how old a negative may
  be;
- pool ``"before_retweet"``: the candidates posted at or before ``t`` (j could have seen them).
  When it holds at least ``n_negatives`` tweets, ``n_negatives`` distinct ones are drawn
  uniformly from it;
- otherwise all of the before-retweet candidates are kept and the rest are drawn uniformly from
  the candidates posted after ``t`` (rows tagged ``"any_time"``): a top-up, so the "could have
  seen it" negatives the paper wants are never thrown away;
- positives with fewer than ``n_negatives`` candidates in total get no triplets and are listed
  in ``short`` with the number found and a reason (``user_follows_nobody``,
  ``followees_posted_nothing``, ``too_few_unretweeted_followee_tweets``).

Determinism: inputs are sorted by their ids and times before any draw, so the result depends only
on the content of the frames and ``seed``, not on their row order. Rows of ``retweets`` are
positives one-to-one (duplicates are not merged). Vectorised: the candidates of each user are
stored once, sorted by time, and the before-retweet pool of a positive is a prefix of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pop_pipeline.ml.samplers.base import NegativeSample, NegativeSampler

POOL_RECENT = "recent"
POOL_BEFORE_RETWEET = "before_retweet"
POOL_ANY_TIME = "any_time"
REASON_FOLLOWS_NOBODY = "user_follows_nobody"
REASON_FOLLOWEES_POSTED_NOTHING = "followees_posted_nothing"
REASON_TOO_FEW_CANDIDATES = "too_few_unretweeted_followee_tweets"

TRIPLET_COLUMNS = [
    "user_id",
    "pos_tweet_id",
    "neg_tweet_id",
    "retweeted_at",
    "negative_rank",
    "pool",
]
SHORT_COLUMNS = ["user_id", "pos_tweet_id", "retweeted_at", "n_found", "reason"]


@dataclass(frozen=True)
class FolloweeNegativeSample:
    """Result of :func:`sample_followee_negatives`."""

    triplets: pd.DataFrame  # user_id, pos_tweet_id, neg_tweet_id, retweeted_at, negative_rank, pool
    short: pd.DataFrame  # user_id, pos_tweet_id, retweeted_at, n_found, reason


def _utc_nanoseconds(values: pd.Series) -> np.ndarray:
    """Timestamps (datetimes or ISO 8601 strings) as int64 ns since the epoch; naive = UTC."""
    stamps = pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_convert(None)
    if stamps.isna().any():
        raise ValueError(f"missing timestamps in {values.name!r}")
    return stamps.to_numpy().astype("datetime64[ns]").astype(np.int64)


def sample_distinct_offsets(rng: np.random.Generator, sizes: np.ndarray, k: int) -> np.ndarray:
    """For each row, ``k`` distinct offsets drawn uniformly from ``[0, sizes[row])``, in draw order.

    Sequential draws without replacement: the j-th draw is uniform over the ``size − j`` offsets
    not yet taken, mapped past the earlier draws in ascending order. Requires ``sizes >= k``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if np.any(sizes < k):
        raise ValueError("every size must be at least k")
    drawn = np.empty((len(sizes), k), dtype=np.int64)
    for j in range(k):
        offset = rng.integers(0, sizes - j) if len(sizes) else np.empty(0, dtype=np.int64)
        for taken in np.sort(drawn[:, :j], axis=1).T:
            offset += offset >= taken
        drawn[:, j] = offset
    return drawn


def _encode(values: pd.Series, categories: np.ndarray) -> np.ndarray:
    """Index of each value in the sorted ``categories`` (-1 when absent)."""
    return pd.Categorical(values, categories=categories).codes.astype(np.int64)


def _exclusive_cumsum(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    return np.cumsum(counts) - counts


@dataclass(frozen=True)
class _FolloweeCandidates:
    """Every user's candidate negatives, grouped by user and sorted by (created_at, tweet)."""

    user: np.ndarray  # user code per candidate, ascending
    tweet: np.ndarray  # tweet code per candidate
    created: np.ndarray  # created_at (ns) per candidate, ascending within a user
    has_followee: np.ndarray  # per user code
    has_posting_followee: np.ndarray  # per user code


def _followee_candidates(
    users: np.ndarray,
    tweet_ids: np.ndarray,
    tweet_author: pd.Series,
    tweet_created: np.ndarray,
    follows: pd.DataFrame,
    seen: pd.DataFrame,
) -> _FolloweeCandidates:
    """Tweets by each user's followees that the user never retweeted, on integer codes only."""
    n_users, n_tweets = len(users), len(tweet_ids)
    authors = np.sort(np.asarray(tweet_author.unique(), dtype=object))
    author_of_tweet = _encode(tweet_author, authors)
    tweets_by_author = np.argsort(author_of_tweet, kind="stable")
    author_counts = np.bincount(author_of_tweet, minlength=len(authors))
    author_starts = _exclusive_cumsum(author_counts)

    edges = follows[["source_user_id", "target_user_id"]].astype(str)
    source = _encode(edges["source_user_id"], users)
    followee_author = _encode(edges["target_user_id"], authors)
    is_edge = (source >= 0) & (edges["source_user_id"] != edges["target_user_id"]).to_numpy()
    has_followee = np.bincount(source[is_edge], minlength=n_users) > 0
    posting = is_edge & (followee_author >= 0)
    pairs = np.unique(source[posting] * len(authors) + followee_author[posting])
    edge_user, edge_author = pairs // max(len(authors), 1), pairs % max(len(authors), 1)
    has_posting_followee = np.bincount(edge_user, minlength=n_users) > 0

    per_edge = author_counts[edge_author]
    user = np.repeat(edge_user, per_edge)
    within = np.arange(per_edge.sum()) - np.repeat(_exclusive_cumsum(per_edge), per_edge)
    tweet = tweets_by_author[np.repeat(author_starts[edge_author], per_edge) + within]

    seen_user = _encode(seen["user_id"], users)
    seen_tweet = _encode(seen["tweet_id"], tweet_ids)
    known = (seen_user >= 0) & (seen_tweet >= 0)
    seen_keys = seen_user[known] * n_tweets + seen_tweet[known]
    unseen = ~np.isin(user * n_tweets + tweet, seen_keys)
    user, tweet = user[unseen], tweet[unseen]
    created = tweet_created[tweet]
    order = np.lexsort((tweet, created, user))
    return _FolloweeCandidates(
        user=user[order],
        tweet=tweet[order],
        created=created[order],
        has_followee=has_followee,
        has_posting_followee=has_posting_followee,
    )


def _draw_candidate_slots(
    rng: np.random.Generator,
    n_older: np.ndarray,
    n_before: np.ndarray,
    n_total: np.ndarray,
    n_negatives: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets into each positive's candidate segment, whether each is from the before pool,
    and whether the row was drawn from the recent window ``[n_older, n_before)``.

    Rows with fewer than ``n_negatives`` candidates in all keep -1 offsets.
    """
    offsets = np.full((len(n_before), n_negatives), -1, dtype=np.int64)
    from_before = np.zeros((len(n_before), n_negatives), dtype=bool)
    n_recent = n_before - n_older
    recent = n_recent >= n_negatives
    rows = np.flatnonzero(recent)
    offsets[rows] = n_older[rows, None] + sample_distinct_offsets(rng, n_recent[rows], n_negatives)
    from_before[rows] = True
    rows = np.flatnonzero((n_before >= n_negatives) & ~recent)
    offsets[rows] = sample_distinct_offsets(rng, n_before[rows], n_negatives)
    from_before[rows] = True
    for kept in range(n_negatives):  # top-ups: keep the `kept` before-retweet candidates
        rows = np.flatnonzero((n_before == kept) & (n_total >= n_negatives))
        topped = kept + sample_distinct_offsets(rng, n_total[rows] - kept, n_negatives - kept)
        offsets[rows] = np.concatenate([np.tile(np.arange(kept), (len(rows), 1)), topped], axis=1)
        from_before[rows, :kept] = True
    return offsets, from_before, recent


def sample_followee_negatives(
    retweets: pd.DataFrame,
    tweets: pd.DataFrame,
    follows: pd.DataFrame,
    all_retweets: pd.DataFrame,
    *,
    n_negatives: int = 2,
    seed: int,
    max_age: pd.Timedelta | None = None,
) -> FolloweeNegativeSample:
    """Sample ``n_negatives`` followee tweets per retweet; see the module docstring.

    Args:
        retweets: the positives, columns ``user_id``, ``tweet_id``, ``retweeted_at``.
        tweets: columns ``tweet_id``, ``author_id``, ``created_at``.
        follows: columns ``source_user_id``, ``target_user_id`` (source follows target).
        all_retweets: every known retweet, columns ``user_id``, ``tweet_id``; a user's
            retweeted tweets are never his negatives.
        n_negatives: negatives per positive.
        seed: seed of the ``numpy.random.Generator`` used for every draw.
        max_age: if given, prefer negatives posted at most this long before the retweet
            (pool ``"recent"``), falling back to the older pools when too few exist.
    """
    if n_negatives < 1:
        raise ValueError("n_negatives must be at least 1")
    positives = retweets[["user_id", "tweet_id", "retweeted_at"]].astype(
        {"user_id": str, "tweet_id": str}
    )
    positives = positives.assign(_t=_utc_nanoseconds(positives["retweeted_at"]))
    positives = positives.sort_values(["user_id", "_t", "tweet_id"], kind="stable")
    positives = positives.reset_index(drop=True)
    users = np.sort(np.asarray(positives["user_id"].unique(), dtype=object))
    tweet_table = tweets[["tweet_id", "author_id", "created_at"]].astype(
        {"tweet_id": str, "author_id": str}
    )
    tweet_table = tweet_table.drop_duplicates("tweet_id").sort_values("tweet_id")
    tweet_ids = np.asarray(tweet_table["tweet_id"], dtype=object)
    seen = pd.concat([all_retweets[["user_id", "tweet_id"]], retweets[["user_id", "tweet_id"]]])
    candidates = _followee_candidates(
        users,
        tweet_ids,
        tweet_table["author_id"],
        _utc_nanoseconds(tweet_table["created_at"]),
        follows,
        seen.astype(str),
    )

    # Each positive's candidates are the segment [start, start + n_total) of `candidates`; its
    # before-retweet pool is the prefix created at or before retweeted_at (found on dense time
    # ranks so that (user, time) fits one sortable int64 key).
    pos_user = _encode(positives["user_id"], users)
    pos_time = positives["_t"].to_numpy()
    counts = np.bincount(candidates.user, minlength=len(users))
    start, n_total = _exclusive_cumsum(counts)[pos_user], counts[pos_user]
    window_start = pos_time - (pd.Timedelta(max_age).value if max_age is not None else 0)
    n_c, n_p = len(candidates.created), len(pos_time)
    time_rank = np.unique(
        np.concatenate([candidates.created, pos_time, window_start]), return_inverse=True
    )[1]
    n_ranks = int(time_rank.max()) + 2 if len(time_rank) else 1
    candidate_keys = candidates.user * n_ranks + time_rank[:n_c]
    query_keys = pos_user * n_ranks + time_rank[n_c : n_c + n_p]
    n_before = np.searchsorted(candidate_keys, query_keys, side="right") - start
    if max_age is None:
        n_older = n_before  # an empty recent window
    else:
        window_keys = pos_user * n_ranks + time_rank[n_c + n_p :]
        n_older = np.searchsorted(candidate_keys, window_keys, side="left") - start
    offsets, from_before, recent = _draw_candidate_slots(
        np.random.default_rng(seed), n_older, n_before, n_total, n_negatives
    )

    rows = np.flatnonzero(n_total >= n_negatives)
    negatives = candidates.tweet[(start[rows, None] + offsets[rows]).ravel()]
    triplets = pd.DataFrame(
        {
            "user_id": np.repeat(positives["user_id"].to_numpy()[rows], n_negatives),
            "pos_tweet_id": np.repeat(positives["tweet_id"].to_numpy()[rows], n_negatives),
            "neg_tweet_id": tweet_ids[negatives],
            "retweeted_at": np.repeat(positives["retweeted_at"].to_numpy()[rows], n_negatives),
            "negative_rank": np.tile(np.arange(n_negatives), len(rows)),
            "pool": np.where(
                np.repeat(recent[rows], n_negatives),
                POOL_RECENT,
                np.where(from_before[rows].ravel(), POOL_BEFORE_RETWEET, POOL_ANY_TIME),
            ),
        },
        columns=TRIPLET_COLUMNS,
    )
    is_short = n_total < n_negatives
    short_user = pos_user[is_short]
    reason = np.where(
        ~candidates.has_followee[short_user],
        REASON_FOLLOWS_NOBODY,
        np.where(
            ~candidates.has_posting_followee[short_user],
            REASON_FOLLOWEES_POSTED_NOTHING,
            REASON_TOO_FEW_CANDIDATES,
        ),
    )
    short = positives.loc[is_short, ["user_id", "tweet_id", "retweeted_at"]]
    short = short.rename(columns={"tweet_id": "pos_tweet_id"})
    short = short.assign(n_found=n_total[is_short], reason=reason).reset_index(drop=True)
    return FolloweeNegativeSample(triplets=triplets, short=short[SHORT_COLUMNS])


@dataclass(frozen=True, kw_only=True)
class FolloweeNegativeSampler(NegativeSampler):
    """AMNL's sampler as a :class:`NegativeSampler`: :func:`sample_followee_negatives`.

    A short positive keeps no negatives (``keeps_partial`` is False): AMNL's triplets need
    exactly ``n_negatives`` per positive. ``follows`` is required; ``acted`` defaults to the
    positives alone.
    """

    name = "followee"
    keeps_partial = False

    seed: int  # of the numpy Generator behind every draw
    n_negatives: int = 2  # the paper's two
    max_age_hours: float | None = None  # prefer negatives this recent (pool "recent")

    def sample(
        self,
        positives: pd.DataFrame,
        tweets: pd.DataFrame,
        *,
        acted: pd.DataFrame | None = None,
        follows: pd.DataFrame | None = None,
    ) -> NegativeSample:
        if follows is None:
            raise ValueError("the followee sampler needs the follows frame")
        result = sample_followee_negatives(
            positives,
            tweets,
            follows,
            acted if acted is not None else positives[["user_id", "tweet_id"]].iloc[:0],
            n_negatives=self.n_negatives,
            seed=self.seed,
            max_age=None if self.max_age_hours is None else pd.Timedelta(hours=self.max_age_hours),
        )
        return NegativeSample(triplets=result.triplets, short=result.short)
