"""Benchmark: generate a synthetic world and report its size, speed and peak memory.

Usage::

    python benchmarks/world_generation.py tiny
    python benchmarks/world_generation.py demo --config overrides.yaml --seed 1 --keep /tmp/w

Prints users, follows, tweets, retweets (per tweet and per retweeting user), replies, the
image-tweet share, wall-clock seconds, images/s (whole generation, and rendering + JPEG encoding
alone) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pop_pipeline.world import PRESETS, load_world_config
from pop_pipeline.world.generate import generate_world_with_stats


def _retweets_per_user(root: Path) -> tuple[int, float]:
    """(retweeting users, retweets per retweeting user), streaming retweets.jsonl."""
    per_user: Counter[str] = Counter()
    with (root / "retweets.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            per_user[json.loads(line)["author_id"]] += 1
    users = len(per_user)
    return users, (sum(per_user.values()) / users if users else 0.0)


def _run(preset: str, config_file: str | None, seed: int | None, out: Path) -> dict:
    config = load_world_config(preset, config_file, seed)
    last = {"stage": ""}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != last["stage"] or stage == "tweets":
            print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)
            last["stage"] = stage

    manifest, stats = generate_world_with_stats(config, out, progress)
    counts = manifest["counts"]
    retweeters, per_retweeter = _retweets_per_user(out)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "preset": preset,
        "users": counts["users"],
        "follows": counts["follows"],
        "mean_followees": round(counts["follows"] / counts["users"], 2),
        "tweets": counts["tweets"],
        "image_tweet_share": round(counts["media"] / counts["tweets"], 3),
        "retweets": counts["retweets"],
        "retweets_per_tweet": round(counts["retweets"] / counts["tweets"], 2),
        "retweeting_users": retweeters,
        "retweets_per_retweeting_user": round(per_retweeter, 2),
        "replies": counts["replies"],
        "seconds": round(stats.seconds, 1),
        "images_per_second_overall": round(stats.images / stats.seconds, 1),
        "images_per_second_rendering": round(stats.images / max(stats.render_seconds, 1e-9), 1),
        "chunks": stats.chunks,
        "peak_tweets_held": stats.peak_tweets_held,
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", choices=PRESETS)
    parser.add_argument("--config", help="YAML/JSON overrides")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--keep", type=Path, help="write here instead of a temporary folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.keep:
        result = _run(args.preset, args.config, args.seed, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix=f"world_{args.preset}_") as tmp:
            result = _run(args.preset, args.config, args.seed, Path(tmp))
    result["total_seconds_with_stats"] = round(time.perf_counter() - started, 1)
    for key, value in result.items():
        print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
