"""Generate a world: latent truth, then tweets chunk by chunk, then the sorted streams.

Order of work: prepare the folder; draw the latent world (taxonomy, trends, users, graph) and
write ``follows.jsonl`` and the static oracle files; then, chunk by chunk in posting order,
draw each tweet's truth, caption, image and cascade, and write the chunk's tweets, media,
oracle rows and sorted retweet/reply runs; merge the runs into ``retweets.jsonl`` and
``replies.jsonl``; write ``users.jsonl`` (its counts need every tweet); write the manifest.
At most ``output.chunk_size`` tweets are held in memory at any time; with ``output.workers``
above 1 each chunk is shared among forked processes (same files, only faster).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pop_pipeline.world import raw_format as fmt
from pop_pipeline.world.config import WorldConfig
from pop_pipeline.world.content import build_schedule
from pop_pipeline.world.latent_world import LatentWorld, build_latent_world
from pop_pipeline.world.manifest import build_manifest, write_manifest
from pop_pipeline.world.output_dir import WORK_DIR, finish_output_dir, prepare_output_dir
from pop_pipeline.world.raw_writer import FileLedger, HashingWriter, SortedRuns
from pop_pipeline.world.truth_store import TweetTruthWriter, write_static_truth
from pop_pipeline.world.tweet_producer import ParallelProducer, ProducedTweet, TweetProducer

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class GenerationStats:
    """Bookkeeping of one generation (not part of the world's files)."""

    chunks: int = 0  # tweet chunks produced
    peak_tweets_held: int = 0  # most tweets held in memory at once
    seconds: float = 0.0  # wall-clock duration
    images: int = 0  # images rendered
    render_seconds: float = 0.0  # wall-clock time spent rendering and encoding images


def generate_world(
    config: WorldConfig, out_dir: str | Path, progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Write the raw format of ``config``'s world into ``out_dir``; return the manifest.

    Args:
        config: the world (``load_world_config``); the same config gives identical bytes.
        out_dir: a missing or empty folder, or a previous world (it is replaced).
        progress: optional ``progress(stage, done, total)`` called as work advances.

    Raises:
        FileExistsError: ``out_dir`` is non-empty and not a previous world.
    """
    manifest, _ = generate_world_with_stats(config, out_dir, progress)
    return manifest


def generate_world_with_stats(
    config: WorldConfig, out_dir: str | Path, progress: ProgressCallback | None = None
) -> tuple[dict[str, Any], GenerationStats]:
    """``generate_world`` that also returns its ``GenerationStats``."""
    began = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    root = prepare_output_dir(out_dir)
    ledger = FileLedger(root)
    stats = GenerationStats()
    report("latent", 0, 1)
    world = build_latent_world(config)
    report("latent", 1, 1)
    n_follows = ledger.write_json_lines(
        "follows.jsonl",
        (
            fmt.follow_object(s, t)
            for s, t in zip(world.graph.source, world.graph.target, strict=True)
        ),
    )
    write_static_truth(ledger, config, world)
    counts = _TweetLoop(config, world, ledger, root, stats, report).run()
    _write_users(ledger, world, counts)
    manifest = build_manifest(
        config,
        world.clock.start_ms,
        world.clock.end_ms,
        world.clock.collected_ms,
        {
            "users": world.population.n_users,
            "follows": n_follows,
            "tweets": config.content.n_tweets,
            "retweets": counts["retweets"],
            "replies": counts["replies"],
            "media": counts["media"],
        },
        ledger.sorted_entries(),
    )
    write_manifest(root, manifest)
    finish_output_dir(root)
    stats.seconds = time.perf_counter() - began
    report("done", 1, 1)
    return manifest, stats


class _TweetLoop:
    """Produces and writes the tweets chunk by chunk, then merges retweets and replies."""

    def __init__(
        self,
        config: WorldConfig,
        world: LatentWorld,
        ledger: FileLedger,
        root: Path,
        stats: GenerationStats,
        report: ProgressCallback,
    ) -> None:
        self.config = config
        self.world = world
        self.ledger = ledger
        self.root = root
        self.stats = stats
        self.report = report
        work = root / WORK_DIR
        self.retweet_runs = SortedRuns(work, "retweets")
        self.reply_runs = SortedRuns(work, "replies")
        self.tweets_by_user = np.zeros(world.population.n_users, dtype=np.int64)
        self.usernames = [p.username for p in world.profiles]

    def run(self) -> dict[str, Any]:
        config, world = self.config, self.world
        n_tweets = config.content.n_tweets
        truth = TweetTruthWriter(self.ledger, n_tweets, world.taxonomy.latent_dim)
        schedule = build_schedule(config, world.clock.start_ms)
        producer = ParallelProducer(TweetProducer(config, world, self.root), config.output.workers)
        done = media = 0
        try:
            with (
                self.ledger.open("tweets.jsonl") as tweets_out,
                self.ledger.open("media.jsonl") as media_out,
            ):
                for chunk in schedule.chunks(config.output.chunk_size):
                    tweets = producer.produce_chunk(chunk)
                    self.stats.peak_tweets_held = max(self.stats.peak_tweets_held, len(tweets))
                    media += self._write_chunk(tweets, tweets_out, media_out, truth)
                    self.stats.chunks += 1
                    done += len(tweets)
                    self.report("tweets", done, n_tweets)
        finally:
            producer.close()
        truth.close()
        self.report("merge", 0, 2)
        n_retweets = self.retweet_runs.merge_into(
            self.ledger,
            "retweets.jsonl",
            lambda rank, body: fmt.with_id(str(fmt.RETWEET_ID_BASE + rank), body),
        )
        self.report("merge", 1, 2)
        n_replies = self.reply_runs.merge_into(
            self.ledger,
            "replies.jsonl",
            lambda rank, body: fmt.with_id(str(fmt.REPLY_ID_BASE + rank), body),
        )
        self.report("merge", 2, 2)
        return {
            "retweets": n_retweets,
            "replies": n_replies,
            "media": media,
            "tweets_by_user": self.tweets_by_user,
        }

    def _write_chunk(
        self,
        tweets: list[ProducedTweet],
        tweets_out: HashingWriter,
        media_out: HashingWriter,
        truth: TweetTruthWriter,
    ) -> int:
        """Write one chunk's tweets, media objects, oracle rows and retweet/reply runs."""
        world, size = self.world, self.config.images.size
        retweet_run: list[tuple[str, str]] = []
        reply_run: list[tuple[str, str]] = []
        media = 0
        for tweet in tweets:
            latent, outcome = tweet.latent, tweet.outcome
            metrics = {
                "retweet_count": len(outcome.retweets),
                "reply_count": len(tweet.replies),
                "like_count": outcome.likes,
                "quote_count": 0,
                "impression_count": outcome.impressions,
            }
            tweets_out.write_json_line(
                fmt.tweet_object(
                    latent.index,
                    latent.author,
                    latent.created_ms,
                    tweet.caption,
                    latent.has_image,
                    latent.concept,
                    world.taxonomy,
                    metrics,
                )
            )
            if tweet.image_file is not None:
                self.ledger.record(*tweet.image_file)
                media_out.write_json_line(fmt.media_object(latent.index, size))
                media += 1
                self.stats.images += 1
                self.stats.render_seconds += tweet.render_seconds
            self.tweets_by_user[latent.author] += 1
            author_name = self.usernames[latent.author]
            for rank, (ms, user) in enumerate(outcome.retweets):
                body = fmt.retweet_body(user, ms, latent.index, author_name, tweet.caption.text)
                retweet_run.append((_sort_key(ms, latent.index, rank), body))
                self.tweets_by_user[user] += 1
            for rank, (ms, user, text) in enumerate(tweet.replies):
                body = fmt.reply_body(user, ms, latent.index, latent.author, text)
                reply_run.append((_sort_key(ms, latent.index, rank), body))
                self.tweets_by_user[user] += 1
        truth.append([tweet.latent for tweet in tweets])
        self.retweet_runs.add_run(retweet_run)
        self.reply_runs.add_run(reply_run)
        return media


def _sort_key(ms: int, tweet_index: int, rank: int) -> str:
    """Fixed-width key: time, then original tweet, then rank within that tweet."""
    return f"{ms:015d}.{tweet_index:012d}.{rank:07d}"


def _write_users(ledger: FileLedger, world: LatentWorld, counts: dict[str, Any]) -> None:
    """``users.jsonl``: profiles with follower, following, tweet and listed counts."""
    followers = world.graph.followers_count()
    following = world.graph.following_count()
    tweets_by_user = counts["tweets_by_user"]
    population = world.population
    ledger.write_json_lines(
        "users.jsonl",
        (
            fmt.user_object(
                user,
                world.profiles[user],
                int(population.created_ms[user]),
                bool(population.celebrity[user]),
                {
                    "followers_count": followers[user],
                    "following_count": following[user],
                    "tweet_count": tweets_by_user[user],
                    "listed_count": world.listed_count[user],
                },
            )
            for user in range(population.n_users)
        ),
    )
