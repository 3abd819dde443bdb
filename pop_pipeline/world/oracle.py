"""The oracle: the best possible predictions, computed from the latent truth alone.

``WorldOracle.load`` reads only the ``oracle/`` folder (never tweets.jsonl, retweets.jsonl,
public metrics or any other observed outcome).

Retweet probability of user u for tweet k at time t (``retweet_probability``)::

    σ(b0 + b1·⟨interest_u, content_k⟩ + b2·iq_k + b3·tq_k + b4·S(u, k, t) + b5·trend(c_k, t))

with the ``retweet`` weights of the world, ``trend`` the hourly trend grid (clipped to the
grid), and the expected social term

    S(u, k, t) = Σ_{f ∈ followees(u), f follows author(k)} tie(u, f) · attention_f ·
                 σ(b0 + b1·⟨interest_f, content_k⟩ + b2·iq_k + b3·tq_k + b5·trend(c_k, t))

i.e. the tie-weighted probability that each followee of u who receives the tweet directly
from its author notices and retweets it (first-order: no social term inside, deeper cascade
paths ignored). It is the chance that u retweets the tweet if u views it at time t.

Expected popularity (``expected_popularity``): the tweet's cascade is re-simulated
``n_draws`` times with the world's own engagement rules and fresh, seeded random streams;
the columns are the Monte Carlo means of log1p(retweets), log1p(likes), log1p(impressions)
and log2(impressions / days + 1), days = (collected_at - created_at) in days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from pop_pipeline.world.clock import MS_PER_DAY, datetime_to_ms
from pop_pipeline.world.config import EngagementConfig, EngagementWeights
from pop_pipeline.world.engagement import (
    AudienceNetwork,
    TrendTable,
    TweetLatent,
    simulate_cascade,
)
from pop_pipeline.world.recommendations import build_recommendation_table
from pop_pipeline.world.seeding import Stage, stage_rng
from pop_pipeline.world.sessions import SessionClock
from pop_pipeline.world.trends import hour_index
from pop_pipeline.world.truth_store import StoredTruth, read_truth

_PAIR_BLOCK = 50_000


class WorldOracle:
    """True retweet probabilities and expected popularity of a generated world."""

    def __init__(self, truth: StoredTruth) -> None:
        meta = truth.meta
        self._meta = meta
        self._seed = int(meta["seed"])
        self._user_base, self._tweet_base = int(meta["user_id_base"]), int(meta["tweet_id_base"])
        self._n_users, self._n_tweets = int(meta["n_users"]), int(meta["n_tweets"])
        self._start_ms, self._collected_ms = int(meta["start_ms"]), int(meta["collected_ms"])
        engagement = dict(meta["engagement"])
        self.engagement = EngagementConfig(
            **{
                **engagement,
                "retweet": EngagementWeights(**engagement["retweet"]),
                "like": EngagementWeights(**engagement["like"]),
            }
        )
        users, follows = truth.users, truth.follows
        self._interests = users["interests"]
        self._attention = users["attention"]
        self._trends = TrendTable(grid=truth.trend_grid, start_ms=self._start_ms)
        self._tweets = truth.tweets
        self._network = AudienceNetwork.from_edges(
            interests=self._interests,
            attention=self._attention,
            source=follows["source"],
            target=follows["target"],
            tie=follows["tie"],
            sessions=SessionClock(
                start_ms=self._start_ms,
                period_ms=users["session_period_ms"],
                phase_ms=users["session_phase_ms"],
                salt=int(meta["session_salt"]),
            ),
            recommendations=build_recommendation_table(
                self._interests,
                users["activity"],
                truth.concept_vectors,
                self.engagement.recommendation_audience,
                self.engagement.recommendation_sharpness,
            ),
        )
        self._edge_keys = follows["source"].astype(np.int64) * self._n_users + follows["target"]

    @classmethod
    def load(cls, oracle_dir: str | Path) -> WorldOracle:
        """Read the oracle of a world from its ``oracle/`` folder (and nothing else)."""
        return cls(read_truth(Path(oracle_dir)))

    @property
    def collected_at(self) -> datetime:
        return datetime.fromtimestamp(self._collected_ms / 1000, tz=UTC)

    # -- ids ------------------------------------------------------------------------------
    def user_indices(self, user_ids: Sequence[str]) -> np.ndarray:
        """User indices of ids; unknown id -> KeyError naming it."""
        return _indices(user_ids, self._user_base, self._n_users, "user")

    def tweet_indices(self, tweet_ids: Sequence[str]) -> np.ndarray:
        """Tweet indices of original-tweet ids; unknown id -> KeyError naming it."""
        return _indices(tweet_ids, self._tweet_base, self._n_tweets, "tweet")

    # -- retweet probability --------------------------------------------------------------
    def retweet_probability(
        self,
        user_ids: Sequence[str],
        tweet_ids: Sequence[str],
        at: Sequence[datetime] | np.ndarray | None = None,
    ) -> np.ndarray:
        """Elementwise P(user retweets tweet | views it at ``at``) (formula in module doc).

        Args:
            user_ids: user ids, same length as ``tweet_ids``.
            tweet_ids: original tweet ids.
            at: viewing times (datetimes, naive = UTC, or a datetime64 array); None means at
                each tweet's posting time.

        Returns:
            float64 array of probabilities in (0, 1).
        """
        users = self.user_indices(user_ids)
        tweets = self.tweet_indices(tweet_ids)
        if users.size != tweets.size:
            raise ValueError(f"{users.size} user ids but {tweets.size} tweet ids")
        created = np.asarray(self._tweets["created_ms"])[tweets].astype(np.int64)
        at_ms = created if at is None else _to_ms(at, users.size)
        out = np.empty(users.size, dtype=np.float64)
        for lo in range(0, users.size, _PAIR_BLOCK):
            block = slice(lo, lo + _PAIR_BLOCK)
            out[block] = self._probability_block(users[block], tweets[block], at_ms[block])
        return out

    def _probability_block(self, users: np.ndarray, tweets: np.ndarray, at_ms: np.ndarray):
        w = self.engagement.retweet
        static, trend, content = self._tweet_terms(tweets, at_ms, w)
        match = np.einsum("pd,pd->p", self._interests[users], content)
        social = self._expected_social(users, tweets, static, trend, content)
        return _sigmoid(static + w.b1 * match + w.b4 * social + w.b5 * trend)

    def _tweet_terms(self, tweets: np.ndarray, at_ms: np.ndarray, w: EngagementWeights):
        """Per pair: b0 + b2·iq + b3·tq, trend(c, at) and the content vector."""
        iq = np.asarray(self._tweets["image_quality"])[tweets].astype(np.float64)
        tq = np.asarray(self._tweets["text_quality"])[tweets].astype(np.float64)
        concept = np.asarray(self._tweets["concept"])[tweets]
        grid = self._trends.grid
        trend = grid[concept, hour_index(at_ms, self._start_ms, grid.shape[1])]
        content = np.asarray(self._tweets["content"])[tweets].astype(np.float64)
        return w.b0 + w.b2 * iq + w.b3 * tq, trend, content

    def _expected_social(self, users, tweets, static, trend, content) -> np.ndarray:
        """S(u, k, t) of the module docstring, for each pair."""
        w = self.engagement.retweet
        net = self._network
        lo, hi = net.followee_indptr[users], net.followee_indptr[users + 1]
        degree = hi - lo
        pair = np.repeat(np.arange(users.size), degree)
        offsets = np.arange(pair.size) - np.repeat(np.cumsum(degree) - degree, degree)
        edge = np.repeat(lo, degree) + offsets
        followee = net.followee_ids[edge]
        author = np.asarray(self._tweets["author"])[tweets].astype(np.int64)[pair]
        keys = followee * self._n_users + author
        found = np.searchsorted(self._edge_keys, keys)
        found = np.minimum(found, self._edge_keys.size - 1)
        direct = self._edge_keys[found] == keys
        pair, edge, followee = pair[direct], edge[direct], followee[direct]
        match = np.einsum("ed,ed->e", self._interests[followee], content[pair])
        base = _sigmoid(static[pair] + w.b1 * match + w.b5 * trend[pair])
        weight = net.followee_ties[edge] * self._attention[followee] * base
        return np.bincount(pair, weights=weight, minlength=users.size)

    # -- expected popularity --------------------------------------------------------------
    def tweet_latent(self, index: int) -> TweetLatent:
        """The stored truth of one tweet."""
        t = self._tweets
        return TweetLatent(
            index=int(index),
            author=int(t["author"][index]),
            created_ms=int(t["created_ms"][index]),
            concept=int(t["concept"][index]),
            caption_concept=int(t["caption_concept"][index]),
            content=np.asarray(t["content"][index], dtype=np.float64),
            image_quality=float(t["image_quality"][index]),
            text_quality=float(t["text_quality"][index]),
            has_image=bool(t["has_image"][index]),
        )

    def expected_popularity(self, tweet_ids: Sequence[str], n_draws: int = 32) -> pd.DataFrame:
        """Monte Carlo expectations of the tweets' log counts (see module docstring).

        Returns:
            DataFrame with columns tweet_id, expected_log_retweets, expected_log_likes,
            expected_log_impressions, expected_popularity_score (one row per id, in order).
        """
        if n_draws < 1:
            raise ValueError("n_draws must be >= 1")
        indices = self.tweet_indices(tweet_ids)
        rows = []
        for tweet_id, index in zip(tweet_ids, indices.tolist(), strict=True):
            latent = self.tweet_latent(index)
            days = (self._collected_ms - latent.created_ms) / MS_PER_DAY
            sums = np.zeros(4)
            for draw in range(n_draws):
                outcome = simulate_cascade(
                    self._network,
                    latent,
                    self._trends,
                    self.engagement,
                    self._collected_ms,
                    stage_rng(self._seed, Stage.ORACLE_CASCADE, index, draw),
                )
                sums += (
                    math.log1p(len(outcome.retweets)),
                    math.log1p(outcome.likes),
                    math.log1p(outcome.impressions),
                    math.log2(outcome.impressions / days + 1.0),
                )
            means = sums / n_draws
            rows.append((str(tweet_id), *means.tolist()))
        return pd.DataFrame(
            rows,
            columns=[
                "tweet_id",
                "expected_log_retweets",
                "expected_log_likes",
                "expected_log_impressions",
                "expected_popularity_score",
            ],
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _indices(ids: Sequence[str], base: int, count: int, kind: str) -> np.ndarray:
    """Map decimal id strings to indices in [0, count)."""
    out = np.empty(len(ids), dtype=np.int64)
    for i, raw in enumerate(ids):
        text = str(raw)
        index = int(text) - base if text.isdigit() and text == str(int(text)) else -1
        if not 0 <= index < count:
            raise KeyError(f"unknown {kind} id {text!r}")
        out[i] = index
    return out


def _to_ms(at: Sequence[datetime] | np.ndarray, size: int) -> np.ndarray:
    """Epoch ms of datetimes (naive = UTC) or a datetime64 array, one per pair."""
    if isinstance(at, datetime):
        at = [at] * size
    values = np.asarray(at)
    if values.dtype.kind == "M":
        ms = values.astype("datetime64[ms]").astype(np.int64)
    else:
        ms = np.array(
            [
                datetime_to_ms(v)
                if isinstance(v, datetime)
                else int(np.datetime64(v, "ms").astype(np.int64))
                for v in values.ravel()
            ],
            dtype=np.int64,
        )
    if ms.size != size:
        raise ValueError(f"{ms.size} times for {size} pairs")
    return ms.reshape(size)
