"""Every knob of the synthetic world, as frozen dataclasses, and how a config is resolved.

A world config is resolved in three layers (``load_world_config``): the dataclass defaults
below, then the preset's YAML file (``presets/<preset>.yaml``), then an optional user YAML or
JSON file, then an explicit seed. Files may nest keys by section (``{"population":
{"n_users": 500}}``), use dotted keys (``population.n_users``) or bare field names when the
name belongs to exactly one section (``n_users``). Unknown keys raise ``ValueError``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pop_pipeline.world.overrides import apply_overrides, read_override_file

PRESETS: tuple[str, ...] = ("tiny", "demo", "paper", "large")
PRESETS_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class TimeConfig:
    """When posts happen and when counts are collected."""

    start: str = "2026-03-01T00:00:00Z"  # first possible posting time, ISO 8601 UTC
    days: float = 30.0  # length of the posting window in days
    collection_delay_days: float = 7.0  # counts are observed this long after the window ends
    daily_cycle_amplitude: float = 0.6  # 0: posts uniform over the day; 1: strongly peaked
    peak_hour_utc: float = 19.0  # hour of the day (UTC) with the most posts
    account_age_days_max: float = 3000.0  # accounts are created up to this long before start


@dataclass(frozen=True)
class TaxonomyConfig:
    """The category > subcategory > concept hierarchy, its latent vectors and its trends."""

    n_categories: int = 8  # top-level categories
    n_subcategories: int = 4  # subcategories per category
    n_concepts: int = 4  # concepts per subcategory
    latent_dim: int = 16  # D, the size of interest and content vectors
    subcategory_scale: float = 1.0  # size of a subcategory's offset from its category vector
    concept_scale: float = 0.8  # size of a concept's offset from its subcategory vector
    trend_baseline_std: float = 0.3  # spread of the concepts' constant popularity levels
    trend_bursts_per_30_days: float = 2.0  # mean number of popularity bursts per concept
    trend_burst_amplitude: float = 1.0  # mean height of a burst (uniform ±50 %)
    trend_burst_width_days: float = 2.0  # mean width (std) of a burst in days


@dataclass(frozen=True)
class PopulationConfig:
    """Users: interests, activity, attention, celebrities."""

    n_users: int = 2000  # number of accounts
    max_interest_concepts: int = 3  # each user mixes 1..this many concepts
    interest_noise: float = 0.35  # std of the isotropic noise added to an interest mix
    activity_beta_a: float = 1.6  # activity ~ Beta(a, b) in (0, 1)
    activity_beta_b: float = 3.0  # (see activity_beta_a)
    posting_weight_sigma: float = 0.9  # log-normal spread of how often users post
    celebrity_share: float = 0.005  # share of celebrity (verified) accounts
    celebrity_posting: float = 4.0  # posting-rate boost of a celebrity
    author_skill_std: float = 0.5  # std of a user's constant image/text quality offset
    sessions_per_day_min: float = 1.0  # feed checks per day of the least active user
    sessions_per_day_max: float = 12.0  # feed checks per day of the most active user
    attention_min: float = 0.35  # chance to notice a delivered post, least active user
    attention_max: float = 0.95  # chance to notice a delivered post, most active user


@dataclass(frozen=True)
class FollowGraphConfig:
    """The directed follow graph (source follows target)."""

    mean_followees: float = 8.0  # mean out-degree (every user follows at least one account)
    max_followees: int = 200  # out-degree cap
    out_degree_sigma: float = 1.1  # log-normal spread of out-degrees (heavy tail)
    homophily: float = 5.0  # weight of interest similarity when picking followees
    attachment_offset: float = 2.0  # preferential attachment weight = followers + offset
    attachment_strength: float = 0.5  # exponent of the attachment weight when choosing
    celebrity_attraction: float = 25.0  # preferential-attachment boost of a celebrity
    candidate_pool: int = 120  # candidates per user by attachment, same category, same concept
    wiring_batch: int = 256  # users wired between two updates of the follower counts
    tie_noise: float = 0.3  # std of the noise in tie strengths (logit scale)


@dataclass(frozen=True)
class ContentConfig:
    """Original tweets: who posts what, when, and how good it is."""

    n_tweets: int = 3000  # number of original tweets
    content_noise: float = 0.35  # std of the noise added to the concept vector
    interest_sharpness: float = 12.0  # how strongly authors post about their own interests
    trend_sharpness: float = 1.0  # how strongly concept choice follows current trends
    text_only_share: float = 0.05  # share of tweets without an image
    text_only_image_quality: float = -1.0  # image quality used for tweets without an image
    image_quality_std: float = 1.0  # std of a tweet's image quality around its author's skill
    text_quality_std: float = 1.0  # std of a tweet's text quality around its author's skill


@dataclass(frozen=True)
class ImageConfig:
    """Procedural JPEG images."""

    size: int = 128  # width and height in pixels
    jpeg_quality: int = 90  # Pillow JPEG quality (subsampling 4:2:0, no optimisation)
    max_distractors: int = 3  # clutter shapes per image (0..this)
    max_noise: float = 28.0  # pixel noise std of the worst-quality image
    max_blur: float = 2.2  # box blur radius (at 128 px) of the worst-quality image
    content_colour_shift: float = 25.0  # degrees of hue driven by the content vector's noise


@dataclass(frozen=True)
class TextConfig:
    """Captions, comments and bios."""

    caption_words_mean: float = 9.1  # target mean caption length in words
    caption_words_std: float = 5.4  # target std of caption length
    caption_mismatch_share: float = 0.1  # share of captions describing another concept
    max_hashtags: int = 2  # hashtags per caption (0..this)
    comment_off_topic_share: float = 0.2  # share of comments using the commenter's own topic


@dataclass(frozen=True)
class EngagementWeights:
    """Logit weights: σ(b0 + b1·match + b2·iq + b3·tq + b4·social + b5·trend)."""

    b0: float = -8.0  # intercept
    b1: float = 10.0  # content–interest match ⟨interest, content⟩
    b2: float = 0.35  # image quality
    b3: float = 0.3  # text quality
    b4: float = 0.6  # social: tie-weighted followees who already retweeted
    b5: float = 0.6  # concept trend at viewing time


def _like_weights() -> EngagementWeights:
    return EngagementWeights(b0=-3.0, b1=1.2, b2=2.0, b3=0.3, b4=0.2, b5=0.4)


@dataclass(frozen=True)
class EngagementConfig:
    """The event-driven cascade: exposures, views, retweets, likes, replies, impressions."""

    retweet: EngagementWeights = field(default_factory=EngagementWeights)  # retweet logit
    like: EngagementWeights = field(default_factory=_like_weights)  # like logit
    max_cascade_depth: int = 5  # retweet hops from the author beyond which nobody is exposed
    retweet_delay_minutes: float = 4.0  # mean delay between viewing and retweeting
    reply_delay_minutes: float = 20.0  # mean delay between viewing and replying
    reply_given_retweet: float = 0.25  # chance that a retweeter also comments
    reply_given_view: float = 0.01  # chance that a viewer who does not retweet comments
    recommended_deliveries: float = 3.0  # recommendation-feed deliveries per tweet at trend 0
    recommendation_audience: float = 0.15  # share of users in each concept's feed audience
    recommendation_sharpness: float = 8.0  # how strongly the feed favours the best-matched
    recommendation_delay_hours: float = 12.0  # mean delay of a recommendation-feed delivery
    oon_views_per_day: float = 8.0  # out-of-network views per sqrt(day) at trend 0, 0 followers
    oon_follower_exponent: float = 0.5  # out-of-network views grow as (1 + followers)^this
    oon_trend_weight: float = 1.0  # feed deliveries and out-of-network views ∝ exp(this·trend)
    oon_like_offset: float = -0.5  # added to the like intercept for out-of-network viewers


@dataclass(frozen=True)
class OutputConfig:
    """How the raw files are produced."""

    chunk_size: int = 5000  # tweets generated and written per chunk (memory bound)
    workers: int = 1  # processes producing tweets (the files are the same for any value)


@dataclass(frozen=True)
class WorldConfig:
    """A whole synthetic world: preset name, seed and every generative knob."""

    preset: str = "demo"  # preset the config started from
    seed: int = 0  # the one seed every random draw derives from
    time: TimeConfig = field(default_factory=TimeConfig)  # posting window and collection time
    taxonomy: TaxonomyConfig = field(default_factory=TaxonomyConfig)  # concept hierarchy
    population: PopulationConfig = field(default_factory=PopulationConfig)  # users
    follows: FollowGraphConfig = field(default_factory=FollowGraphConfig)  # follow graph
    content: ContentConfig = field(default_factory=ContentConfig)  # original tweets
    images: ImageConfig = field(default_factory=ImageConfig)  # rendered images
    text: TextConfig = field(default_factory=TextConfig)  # captions, comments, bios
    engagement: EngagementConfig = field(default_factory=EngagementConfig)  # cascades
    output: OutputConfig = field(default_factory=OutputConfig)  # chunking

    def __post_init__(self) -> None:
        _validate(self)

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict in field order (JSON/YAML serialisable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> WorldConfig:
        """Inverse of ``to_dict`` (missing keys keep their defaults)."""
        return apply_overrides(cls(), values)


def _validate(config: WorldConfig) -> None:
    """Raise ValueError on values the generator cannot honour."""
    checks = {
        "population.n_users >= 2": config.population.n_users >= 2,
        "content.n_tweets >= 1": config.content.n_tweets >= 1,
        "time.days > 0": config.time.days > 0,
        "time.collection_delay_days >= 0": config.time.collection_delay_days >= 0,
        "taxonomy sizes >= 1": min(
            config.taxonomy.n_categories,
            config.taxonomy.n_subcategories,
            config.taxonomy.n_concepts,
            config.taxonomy.latent_dim,
        )
        >= 1,
        "follows.mean_followees >= 1": config.follows.mean_followees >= 1,
        "follows.max_followees >= follows.mean_followees": config.follows.max_followees
        >= config.follows.mean_followees,
        "images.size >= 16": config.images.size >= 16,
        "1 <= images.jpeg_quality <= 95": 1 <= config.images.jpeg_quality <= 95,
        "content.text_only_share in [0, 1]": 0 <= config.content.text_only_share <= 1,
        "text.caption_mismatch_share in [0, 1]": 0 <= config.text.caption_mismatch_share <= 1,
        "population.celebrity_share in [0, 1]": 0 <= config.population.celebrity_share <= 1,
        "population.max_interest_concepts >= 1": config.population.max_interest_concepts >= 1,
        "output.chunk_size >= 1": config.output.chunk_size >= 1,
        "output.workers >= 1": config.output.workers >= 1,
        "engagement.max_cascade_depth >= 1": config.engagement.max_cascade_depth >= 1,
        "engagement.recommendation_audience in (0, 1]": 0
        < config.engagement.recommendation_audience
        <= 1,
        "engagement reply chances in [0, 1]": 0 <= config.engagement.reply_given_view <= 1
        and 0 <= config.engagement.reply_given_retweet <= 1,
        "population attention in [0, 1]": 0 <= config.population.attention_min <= 1
        and 0 <= config.population.attention_max <= 1,
        "text caption length mean and std > 0": config.text.caption_words_mean > 0
        and config.text.caption_words_std > 0,
        "seed >= 0": config.seed >= 0,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise ValueError(f"invalid world config: {', '.join(failed)}")


def load_world_config(
    preset: str, config_file: str | Path | None = None, seed: int | None = None
) -> WorldConfig:
    """Resolve a world config: preset defaults, then file overrides, then the seed.

    Args:
        preset: one of ``PRESETS``.
        config_file: optional YAML (``.yaml``/``.yml``) or JSON file of overrides; nested
            sections, dotted keys and unambiguous bare field names are accepted.
        seed: optional seed overriding the preset's and the file's.

    Raises:
        ValueError: unknown preset, unknown or ambiguous key, or an invalid value.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown world preset {preset!r}; choose one of {', '.join(PRESETS)}")
    config = WorldConfig(preset=preset)
    config = apply_overrides(config, read_override_file(PRESETS_DIR / f"{preset}.yaml"))
    if config_file is not None:
        user_overrides = read_override_file(Path(config_file))
        if "preset" in user_overrides:
            raise ValueError("key 'preset' cannot be overridden by a file; pass the preset name")
        config = apply_overrides(config, user_overrides)
    if seed is not None:
        config = dataclasses.replace(config, seed=int(seed))
    return config
