"""The event-driven cascade of one tweet: deliveries, views, retweets, likes, replies.

Cascades of different tweets are independent given the latent truth, so the generator runs
them one tweet at a time (streaming) and the oracle re-runs them with fresh seeds (Monte
Carlo). The rules, in time order (a priority queue of view events):

1. Posting at t0 delivers the tweet to the author's followers (depth 1), and to
   Poisson(recommended_deliveries · exp(oon_trend_weight · trend(concept, t0))) users drawn
   from the concept's recommendation audience (``recommendations.py``), each after an
   exponential delay of mean ``recommendation_delay_hours`` (depth 1). A retweet by a viewer
   at depth d delivers it to that viewer's followers (depth d + 1) if
   d < ``max_cascade_depth``. The author is never a recipient.
2. A delivery to v gets v's attention with probability ``attention_v``; if so v views the
   tweet at v's next feed session (``sessions.py``), unless v already viewed it. Only views
   before ``collected_at`` happen.
3. At a view at time s, v retweets with probability
   ``σ(b0 + b1·⟨interest_v, content⟩ + b2·image_quality + b3·text_quality + b4·social_v(s)
   + b5·trend(concept, s))`` where ``social_v(s) = Σ tie(v, f)`` over v's followees f that
   retweeted the tweet at or before s. The retweet is posted an exponential delay later. v
   likes it with the same formula and the ``like`` weights, and comments with probability
   ``reply_given_retweet`` (retweeters) or ``reply_given_view`` (others).
4. Out-of-network views ~ Poisson(oon_views_per_day · elapsed_days^½ ·
   (1 + followers_author)^oon_follower_exponent · exp(oon_trend_weight · trend(concept, t0)));
   each likes with ``σ(like.b0 + oon_like_offset + like.b2·iq + like.b3·tq + like.b5·trend)``.
   Impressions = in-network views + out-of-network views.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from pop_pipeline.world.clock import MS_PER_DAY
from pop_pipeline.world.config import EngagementConfig
from pop_pipeline.world.recommendations import RecommendationTable
from pop_pipeline.world.sessions import SessionClock
from pop_pipeline.world.trends import hour_index


@dataclass(frozen=True)
class AudienceNetwork:
    """What a cascade needs to know about users and follows."""

    interests: np.ndarray  # (n_users, D) float64 interest vectors
    attention: np.ndarray  # (n_users,) chance to notice a delivered post
    follower_indptr: np.ndarray  # (n_users + 1,) CSR offsets of followers by followee
    follower_ids: np.ndarray  # (n_edges,) followers, grouped by the user they follow
    followee_indptr: np.ndarray  # (n_users + 1,) CSR offsets of followees by follower
    followee_ids: np.ndarray  # (n_edges,) followees, grouped by follower
    followee_ties: np.ndarray  # (n_edges,) tie strength of each (follower, followee) edge
    followers_count: np.ndarray  # (n_users,) in-degree of each user
    sessions: SessionClock  # feed-check times
    recommendations: RecommendationTable  # out-of-network audience of each concept

    def __post_init__(self) -> None:
        # Python lists of each user's (followees, ties), for the per-view social sum.
        bounds = self.followee_indptr[1:-1]
        ids = np.split(self.followee_ids, bounds)
        ties = np.split(self.followee_ties, bounds)
        lists = [
            list(zip(i.tolist(), t.tolist(), strict=True)) for i, t in zip(ids, ties, strict=True)
        ]
        object.__setattr__(self, "followee_lists", lists)

    @classmethod
    def from_edges(
        cls,
        interests: np.ndarray,
        attention: np.ndarray,
        source: np.ndarray,
        target: np.ndarray,
        tie: np.ndarray,
        sessions: SessionClock,
        recommendations: RecommendationTable,
    ) -> AudienceNetwork:
        """Build both CSR views from edges sorted by (source, target)."""
        n_users = interests.shape[0]
        by_target = np.lexsort((source, target))
        follower_indptr = _indptr(target, n_users)
        return cls(
            interests=interests,
            attention=attention,
            follower_indptr=follower_indptr,
            follower_ids=source[by_target].astype(np.int64),
            followee_indptr=_indptr(source, n_users),
            followee_ids=target.astype(np.int64),
            followee_ties=tie.astype(np.float64),
            followers_count=np.diff(follower_indptr),
            sessions=sessions,
            recommendations=recommendations,
        )


def _indptr(group: np.ndarray, n_users: int) -> np.ndarray:
    counts = np.bincount(group, minlength=n_users)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


@dataclass(frozen=True)
class TweetLatent:
    """The latent truth of one original tweet."""

    index: int  # global tweet index (time order)
    author: int  # author user index
    created_ms: int  # posting time, epoch ms
    concept: int  # true concept (what the image shows)
    caption_concept: int  # concept the caption talks about (differs when mismatched)
    content: np.ndarray  # (D,) float64 content vector (stored as float32)
    image_quality: float  # quality used by the engagement formulas (stored as float32)
    text_quality: float  # text quality (stored as float32)
    has_image: bool  # False for text-only tweets


@dataclass(frozen=True)
class TrendTable:
    """Concept trends over the world's hours (see ``trends.py``)."""

    grid: np.ndarray  # (n_concepts, n_hours) trend values
    start_ms: int  # time of column 0

    def at(self, concept: int, ms: int) -> float:
        return float(self.grid[concept, hour_index(ms, self.start_ms, self.grid.shape[1])])


@dataclass
class CascadeOutcome:
    """What happened to one tweet before collection."""

    retweets: list[tuple[int, int]] = field(default_factory=list)  # (time_ms, user), by time
    replies: list[tuple[int, int]] = field(default_factory=list)  # (time_ms, user), by time
    views: int = 0  # in-network views
    likes: int = 0  # likes, in and out of network
    oon_views: int = 0  # out-of-network views

    @property
    def impressions(self) -> int:
        return self.views + self.oon_views


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def simulate_cascade(
    network: AudienceNetwork,
    tweet: TweetLatent,
    trends: TrendTable,
    config: EngagementConfig,
    collected_ms: int,
    rng: np.random.Generator,
) -> CascadeOutcome:
    """Run the cascade of ``tweet`` until ``collected_ms`` (rules in the module docstring)."""
    rt, lk = config.retweet, config.like
    outcome = CascadeOutcome()
    _out_of_network(network, tweet, trends, config, collected_ms, rng, outcome)
    static_rt = rt.b0 + rt.b2 * tweet.image_quality + rt.b3 * tweet.text_quality
    static_lk = lk.b0 + lk.b2 * tweet.image_quality + lk.b3 * tweet.text_quality
    rt_delay_ms = config.retweet_delay_minutes * 60_000
    reply_delay_ms = config.reply_delay_minutes * 60_000
    queue: list[tuple] = []
    retweeted_at: dict[int, int] = {}
    viewed: set[int] = set()
    sessions = network.sessions
    counter = 0

    def deliver(recipients: np.ndarray, at_ms: np.ndarray, depth: int) -> None:
        nonlocal counter
        keep = recipients != tweet.author
        keep &= rng.random(recipients.size) < network.attention[recipients]
        noticed, at_ms = recipients[keep], at_ms[keep]
        if noticed.size == 0:
            return
        match = network.interests[noticed] @ tweet.content
        base_rt = static_rt + rt.b1 * match
        base_lk = static_lk + lk.b1 * match
        draws = rng.random((noticed.size, 3))
        delays = rng.exponential(1.0, size=(noticed.size, 2))
        for i, (user, delivered_ms) in enumerate(
            zip(noticed.tolist(), at_ms.tolist(), strict=True)
        ):
            if user in viewed:
                continue
            seen_ms = sessions.next_session(user, delivered_ms)
            if seen_ms >= collected_ms:
                continue
            counter += 1
            heapq.heappush(
                queue,
                (seen_ms, counter, user, depth, base_rt[i], base_lk[i], draws[i], delays[i]),
            )

    def deliver_to_followers(sender: int, at_ms: int, depth: int) -> None:
        lo, hi = network.follower_indptr[sender], network.follower_indptr[sender + 1]
        followers = network.follower_ids[lo:hi]
        deliver(followers, np.full(followers.size, at_ms, dtype=np.int64), depth)

    deliver_to_followers(tweet.author, tweet.created_ms, 1)
    trend_at_post = trends.at(tweet.concept, tweet.created_ms)
    n_recommended = int(
        rng.poisson(
            config.recommended_deliveries * math.exp(config.oon_trend_weight * trend_at_post)
        )
    )
    if n_recommended:
        chosen = network.recommendations.draw(tweet.concept, n_recommended, rng)
        delay_ms = config.recommendation_delay_hours * 3_600_000
        when = tweet.created_ms + (rng.exponential(1.0, n_recommended) * delay_ms).astype(np.int64)
        order = np.argsort(when, kind="stable")
        deliver(chosen[order], when[order], 1)
    while queue:
        seen_ms, _, user, depth, base_rt, base_lk, draws, delays = heapq.heappop(queue)
        if user in viewed:
            continue
        viewed.add(user)
        outcome.views += 1
        social = _social(network, user, seen_ms, retweeted_at) if retweeted_at else 0.0
        trend = trends.at(tweet.concept, seen_ms)
        retweeted = False
        if draws[0] < _sigmoid(base_rt + rt.b4 * social + rt.b5 * trend):
            rt_ms = seen_ms + 1 + int(delays[0] * rt_delay_ms)
            if rt_ms < collected_ms:
                retweeted = True
                retweeted_at[user] = rt_ms
                outcome.retweets.append((rt_ms, user))
                if depth < config.max_cascade_depth:
                    deliver_to_followers(user, rt_ms, depth + 1)
        if draws[1] < _sigmoid(base_lk + lk.b4 * social + lk.b5 * trend):
            outcome.likes += 1
        reply_chance = config.reply_given_retweet if retweeted else config.reply_given_view
        if draws[2] < reply_chance:
            reply_ms = seen_ms + 1 + int(delays[1] * reply_delay_ms)
            if reply_ms < collected_ms:
                outcome.replies.append((reply_ms, user))
    outcome.retweets.sort()
    outcome.replies.sort()
    return outcome


def _social(network: AudienceNetwork, user: int, at_ms: int, retweeted_at: dict) -> float:
    """Σ tie(user, f) over the user's followees f that retweeted at or before ``at_ms``."""
    total = 0.0
    for followee, tie in network.followee_lists[user]:
        when = retweeted_at.get(followee)
        if when is not None and when <= at_ms:
            total += tie
    return total


def _out_of_network(
    network: AudienceNetwork,
    tweet: TweetLatent,
    trends: TrendTable,
    config: EngagementConfig,
    collected_ms: int,
    rng: np.random.Generator,
    outcome: CascadeOutcome,
) -> None:
    """Draw the out-of-network views and their likes."""
    lk = config.like
    trend = trends.at(tweet.concept, tweet.created_ms)
    elapsed_days = max(collected_ms - tweet.created_ms, 0) / MS_PER_DAY
    followers = float(network.followers_count[tweet.author])
    rate = (
        config.oon_views_per_day
        * math.sqrt(elapsed_days)
        * (1.0 + followers) ** config.oon_follower_exponent
        * math.exp(config.oon_trend_weight * trend)
    )
    outcome.oon_views = int(rng.poisson(rate))
    like_logit = (
        lk.b0
        + config.oon_like_offset
        + lk.b2 * tweet.image_quality
        + lk.b3 * tweet.text_quality
        + lk.b5 * trend
    )
    outcome.likes += int(rng.binomial(outcome.oon_views, _sigmoid(like_logit)))
