"""Everything about a world that exists before its tweets: taxonomy, trends, users, graph.

``build_latent_world`` draws each part from its own child stream of the seed, in the order
taxonomy, trends, users, profiles, follow graph, and assembles the ``AudienceNetwork`` the
cascades run on. Values that the oracle stores are rounded to their stored dtype first, so
the oracle recomputes exactly what the simulation used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.clock import MS_PER_DAY, parse_iso_ms
from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.engagement import AudienceNetwork, TrendTable
from pop_pipeline.world.follow_graph import FollowGraph, draw_follow_graph
from pop_pipeline.world.population import Population, draw_population
from pop_pipeline.world.recommendations import build_recommendation_table
from pop_pipeline.world.seeding import Stage, stage_rng, stage_salt
from pop_pipeline.world.sessions import SessionClock
from pop_pipeline.world.taxonomy import Taxonomy, build_taxonomy
from pop_pipeline.world.text import Profile, write_profiles
from pop_pipeline.world.trends import build_trend_grid, n_trend_hours


@dataclass(frozen=True)
class WorldClock:
    """The world's key times, epoch ms."""

    start_ms: int  # first possible posting time
    end_ms: int  # end of the posting window (exclusive)
    collected_ms: int  # when counts are observed

    @classmethod
    def from_config(cls, config: WorldConfig) -> WorldClock:
        start = parse_iso_ms(config.time.start)
        end = start + round(config.time.days * MS_PER_DAY)
        collected = end + round(config.time.collection_delay_days * MS_PER_DAY)
        return cls(start_ms=start, end_ms=end, collected_ms=collected)


@dataclass(frozen=True)
class LatentWorld:
    """The latent truth shared by every tweet of a world."""

    clock: WorldClock  # start, end, collection time
    taxonomy: Taxonomy  # concept hierarchy and vectors
    trends: TrendTable  # concept trends per hour
    population: Population  # users' latent traits
    profiles: list[Profile]  # users' public profile text
    listed_count: np.ndarray  # (n_users,) public listed_count
    graph: FollowGraph  # follow edges and tie strengths
    network: AudienceNetwork  # what cascades run on
    session_salt: int  # hash salt of the session clock


def build_latent_world(config: WorldConfig) -> LatentWorld:
    """Draw the taxonomy, trends, users, profiles and follow graph of ``config``."""
    seed = config.seed
    clock = WorldClock.from_config(config)
    taxonomy = build_taxonomy(config.taxonomy, stage_rng(seed, Stage.TAXONOMY))
    n_hours = n_trend_hours(clock.start_ms, clock.collected_ms)
    grid = build_trend_grid(
        config.taxonomy, taxonomy.n_concepts, n_hours, stage_rng(seed, Stage.TRENDS)
    )
    trends = TrendTable(grid=grid, start_ms=clock.start_ms)
    population = draw_population(
        config.population, config.time, clock.start_ms, taxonomy, stage_rng(seed, Stage.USERS)
    )
    text_rng = stage_rng(seed, Stage.USER_TEXT)
    profiles = write_profiles(taxonomy, population.interest_concepts, text_rng)
    graph = draw_follow_graph(config.follows, population, taxonomy, stage_rng(seed, Stage.FOLLOWS))
    followers = graph.followers_count()
    listed = text_rng.poisson(0.02 * followers + 0.05)
    salt = stage_salt(seed, Stage.SESSIONS)
    recommendations = build_recommendation_table(
        population.interests,
        population.activity,
        taxonomy.concept_vectors,
        config.engagement.recommendation_audience,
        config.engagement.recommendation_sharpness,
    )
    network = AudienceNetwork.from_edges(
        interests=population.interests,
        attention=population.attention,
        source=graph.source,
        target=graph.target,
        tie=graph.tie,
        sessions=SessionClock(
            start_ms=clock.start_ms,
            period_ms=population.session_period_ms,
            phase_ms=population.session_phase_ms,
            salt=salt,
        ),
        recommendations=recommendations,
    )
    return LatentWorld(
        clock=clock,
        taxonomy=taxonomy,
        trends=trends,
        population=population,
        profiles=profiles,
        listed_count=listed,
        graph=graph,
        network=network,
        session_salt=salt,
    )
