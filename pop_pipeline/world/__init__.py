"""The synthetic world: a simulated image-tweet network whose ground truth is known.

``load_world_config`` resolves a preset (and optional overrides) into a ``WorldConfig``;
``generate_world`` writes the raw format (Twitter API v2 JSON Lines, JPEG media, a manifest
and the ``oracle/`` truth); ``WorldOracle`` computes true retweet probabilities and expected
popularity from ``oracle/`` alone. See /work/shared/WORLD.md for the specification.
"""

from pop_pipeline.world.config import PRESETS, WorldConfig, load_world_config
from pop_pipeline.world.generate import generate_world
from pop_pipeline.world.oracle import WorldOracle

__all__ = ["PRESETS", "WorldConfig", "WorldOracle", "generate_world", "load_world_config"]
