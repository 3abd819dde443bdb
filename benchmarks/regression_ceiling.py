"""What limits the popularity regression? Context features vs the world's latent truth.

Usage:
    python benchmarks/regression_ceiling.py --home DIR --oracle WORLD/oracle [--draws 16]
        [--oracle-cache FILE] [--seed 0]

``DIR`` is a ``POP_HOME`` where ``pop run`` has materialized the regression tables
(``image_tweets``, ``popularity_targets``, ``regression_splits``); ``WORLD/oracle`` the
generated world's ground truth. For every protocol and target of the regression tables
(paper001 log_retweets and log_likes, paper002 and paper004 popularity_score) two learners, a
ridge regression (standardised inputs, alpha by internal cross-validation) and a seeded
HistGradientBoosting, are fitted on the protocol's training split and scored on its test
split with the protocol's metrics, on these feature sets:

``context``          log1p(author followers), log1p(hours elapsed): what every model observes.
``context+activity`` plus an observable, label-free stand-in for the concept's trend: log1p of
                     the number of image tweets of the same concept posted in the preceding
                     24 hours (the world draws a post's concept more often while it trends).
``context+encoder``  plus what a perfect image and caption encoder would recover: image and
                     text quality and the 16-d latent content vector (as
                     ``latent_feature_ceiling.py``).
``context+encoder+trend``  plus the concept's trend at posting and its mean over the
                     next 24 hours.
``context+latent``   plus the rest of the per-tweet truth the engagement rules use
                     (``world/engagement.py``): the author's in-network audience (Σ attention
                     over the followers), their attention-weighted mean interest match with the
                     content, and the expected first-hop retweets and likes
                     Σ_f attention_f·σ(b0 + b1·match_f + b2·iq + b3·tq + b5·trend).
``latent only``      ``context+latent`` without the two context columns.

Scores are normalised as in the pipeline's tables (``regression_metrics_table``): 0 = the
training mean (``random``), 1 = the world's expected target (``oracle``,
``WorldOracle.expected_popularity``, a Monte Carlo over ``--draws`` re-simulated cascades;
give ``--oracle-cache`` to compute it once). Prints the hours-elapsed range of each split, one
JSON line per (protocol, target, features, learner), then a markdown summary. The latent truth
is read by this benchmark only; no model of the pipeline ever sees it.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

CONTEXT = ("log_followers", "log_hours")
LATENT = (
    "image_quality",
    "text_quality",
    "trend_at_post",
    "trend_first_day",
    "log_audience",
    "audience_match",
    "log_direct_retweets",
    "log_direct_likes",
)
HOURS_PER_DAY = 24


def context_features(tweets: pd.DataFrame) -> pd.DataFrame:
    """What any model sees: log1p(author followers), log1p(hours elapsed)."""
    return pd.DataFrame(
        {
            "log_followers": np.log1p(tweets["author_followers_count"].to_numpy(float)),
            "log_hours": np.log1p(tweets["hours_elapsed"].to_numpy(float)),
        },
        index=tweets.index,
    )


ACTIVITY_HOURS = 24


def concept_activity(tweets: pd.DataFrame, hours: int = ACTIVITY_HOURS) -> pd.Series:
    """log1p(image tweets of the same concept in the ``hours`` before each tweet), by id."""
    ordered = tweets.sort_values("created_at")
    ms = ordered["created_at"].astype("datetime64[ms]").astype("int64").to_numpy()
    counts = np.zeros(len(ordered))
    for rows in ordered.groupby("concept").indices.values():
        times = ms[rows]
        counts[rows] = np.arange(len(rows)) - np.searchsorted(times, times - hours * 3_600_000)
    return pd.Series(np.log1p(counts), index=ordered.index, name="log_concept_activity")


def latent_features(oracle_dir: Path, tweet_ids: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The per-tweet truth of the engagement rules (see the module docstring), and the content
    vectors, one row per id."""
    from pop_pipeline.world.oracle import WorldOracle
    from pop_pipeline.world.trends import hour_index
    from pop_pipeline.world.truth_store import read_truth

    truth = read_truth(oracle_dir)
    rt, lk = truth.meta["engagement"]["retweet"], truth.meta["engagement"]["like"]
    index = WorldOracle.load(oracle_dir).tweet_indices(tweet_ids)
    tweets = {name: np.asarray(values)[index] for name, values in truth.tweets.items()}
    content = tweets["content"].astype(np.float64)
    iq = tweets["image_quality"].astype(np.float64)
    tq = tweets["text_quality"].astype(np.float64)
    grid, start_ms = truth.trend_grid, int(truth.meta["start_ms"])
    hours = hour_index(tweets["created_ms"].astype(np.int64), start_ms, grid.shape[1])
    concept = tweets["concept"].astype(np.int64)
    trend = grid[concept, hours]
    ahead = np.clip(hours[:, None] + np.arange(HOURS_PER_DAY)[None, :], 0, grid.shape[1] - 1)
    trend_day = grid[concept[:, None], ahead].mean(axis=1)
    source, target = truth.follows["source"], truth.follows["target"]  # source follows target
    attention, interests = truth.users["attention"], truth.users["interests"]
    rows = []
    for k, author in enumerate(tweets["author"].astype(np.int64).tolist()):
        followers = source[target == author]
        seen = attention[followers]
        match = interests[followers] @ content[k]
        retweet, like = (
            _sigmoid(
                w["b0"] + w["b1"] * match + w["b2"] * iq[k] + w["b3"] * tq[k] + w["b5"] * trend[k]
            )
            for w in (rt, lk)
        )
        audience = float(seen.sum())
        rows.append(
            (
                np.log1p(audience),
                float(seen @ match / audience) if audience > 0 else 0.0,
                np.log1p(float(seen @ retweet)),
                np.log1p(float(seen @ like)),
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=["log_audience", "audience_match", "log_direct_retweets", "log_direct_likes"],
    )
    frame.insert(0, "trend_first_day", trend_day)
    frame.insert(0, "trend_at_post", trend)
    frame.insert(0, "text_quality", tq)
    frame.insert(0, "image_quality", iq)
    frame.index = pd.Index(tweet_ids)
    return frame[list(LATENT)], content


def expected_targets(oracle_dir: Path, tweet_ids: list[str], draws: int, cache: str | None):
    """``WorldOracle.expected_popularity`` of the ids, indexed by tweet id (cached when asked)."""
    from pop_pipeline.world.oracle import WorldOracle

    if cache and Path(cache).exists():
        frame = pd.read_csv(cache, dtype={"tweet_id": str})
        if int(frame["draws"].iloc[0]) == draws and set(tweet_ids) <= set(frame["tweet_id"]):
            return frame.set_index("tweet_id"), 0.0
    started = time.perf_counter()
    frame = WorldOracle.load(oracle_dir).expected_popularity(tweet_ids, n_draws=draws)
    seconds = time.perf_counter() - started
    frame["draws"] = draws
    if cache:
        frame.to_csv(cache, index=False)
    return frame.set_index("tweet_id"), seconds


def learners(seed: int) -> dict:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "ridge": lambda: make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
        "hgb": lambda: HistGradientBoostingRegressor(random_state=seed),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--draws", type=int, default=16)
    parser.add_argument("--oracle-cache", default=None, help="CSV of the oracle's expectations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["POP_HOME"] = args.home

    from pop_pipeline.evaluation.regression_tables import (
        METRIC_LABELS,
        ORACLE,
        RANDOM,
        regression_metrics_table,
    )
    from pop_pipeline.regression.data.popularity_targets import POPULARITY_TARGETS
    from pop_pipeline.regression.protocols import PROTOCOLS
    from pop_pipeline.storage.duckdb_store import DuckDBStore

    store = DuckDBStore(Path(args.home) / "pop.duckdb")
    tweets = store.query(
        "SELECT tweet_id, author_followers_count, hours_elapsed, concept, created_at "
        "FROM image_tweets"
    ).astype({"tweet_id": str})
    tweets = tweets.set_index("tweet_id")
    targets = store.table("popularity_targets").astype({"tweet_id": str}).set_index("tweet_id")
    splits = store.query("SELECT protocol, tweet_id, split FROM regression_splits")
    splits["tweet_id"] = splits["tweet_id"].astype(str)
    ids = sorted(set(splits["tweet_id"]))
    oracle_dir = Path(args.oracle)
    latent, content = latent_features(oracle_dir, ids)
    content_frame = pd.DataFrame(
        content, index=latent.index, columns=[f"content_{i}" for i in range(content.shape[1])]
    )
    context = context_features(tweets.loc[ids])
    activity = context.join(concept_activity(tweets).loc[ids])
    encoder = context.join(latent[["image_quality", "text_quality"]]).join(content_frame)
    trend = encoder.join(latent[["trend_at_post", "trend_first_day"]])
    everything = context.join(latent).join(content_frame)
    feature_sets = {
        "context": context,
        "context+activity": activity,
        "context+encoder": encoder,
        "context+encoder+trend": trend,
        "context+latent": everything,
        "latent only": everything.drop(columns=list(CONTEXT)),
    }
    test_ids = sorted(set(splits.loc[splits["split"] == "test", "tweet_id"]))
    expected, seconds = expected_targets(oracle_dir, test_ids, args.draws, args.oracle_cache)
    info = {"oracle_tweets": len(test_ids), "draws": args.draws}
    info["oracle_seconds"] = round(seconds, 1) if seconds else "cached"
    info["load_average"] = [round(value, 2) for value in os.getloadavg()]
    print(json.dumps(info), flush=True)
    summary = []
    for protocol, definition in PROTOCOLS.items():
        part = splits[splits["protocol"] == protocol]
        train = part.loc[part["split"] == "train", "tweet_id"].tolist()
        test = part.loc[part["split"] == "test", "tweet_id"].tolist()
        hours = {
            split: tweets.loc[part.loc[part["split"] == split, "tweet_id"], "hours_elapsed"]
            for split in ("train", "test")
        }
        line = {"protocol": protocol, "hours_elapsed": True}
        for split, values in hours.items():
            line[split] = [round(float(values.min()), 1), round(float(values.max()), 1)]
        line["test_below_train_min"] = round(
            float((hours["test"] < hours["train"].min()).mean()), 3
        )
        print(json.dumps(line), flush=True)
        for target in definition.targets:
            y = targets[target]
            predictions = []
            fitted = learners(args.seed)
            for features, frame in feature_sets.items():
                for learner, build in fitted.items():
                    model = build().fit(frame.loc[train].to_numpy(), y.loc[train].to_numpy())
                    predictions.append(
                        pd.DataFrame(
                            {
                                "model": f"{features} | {learner}",
                                "tweet_id": test,
                                "prediction": model.predict(frame.loc[test].to_numpy()),
                            }
                        )
                    )
            table = regression_metrics_table(
                pd.concat(predictions, ignore_index=True),
                y,
                float(y.loc[train].mean()),
                expected[POPULARITY_TARGETS[target].oracle_column],
                protocol=protocol,
                target=target,
                train_fraction=len(train) / len(part),
                metrics=definition.metrics,
            )
            order = [RANDOM, ORACLE] + [f"{f} | {name}" for f in feature_sets for name in fitted]
            for model in order:
                rows = table[table["model"] == model]
                features, _, learner = str(model).partition(" | ")
                line = {"protocol": protocol, "target": target, "features": features}
                line["learner"] = learner or "-"
                for row in rows.itertuples():
                    line[row.metric] = round(row.value, 4)
                    line[f"{row.metric}_normalised"] = round(row.normalised, 3) + 0.0
                print(json.dumps(line), flush=True)
                summary.append(line)
    print()
    print(main_metric_table(summary, PROTOCOLS, METRIC_LABELS))
    print()
    for protocol, definition in PROTOCOLS.items():
        metrics = definition.metrics
        for target in definition.targets:
            print(f"{protocol}, {target} (main metric {METRIC_LABELS[definition.main_metric]})")
            print()
            header = ["features", "learner", *(METRIC_LABELS[m] for m in metrics)]
            header += [f"{METRIC_LABELS[m]} (norm.)" for m in metrics]
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
            rows = [s for s in summary if s["protocol"] == protocol and s["target"] == target]
            rows.sort(key=lambda s: s["features"] in (ORACLE, RANDOM))
            for s in rows:
                cells = [s["features"], s["learner"], *(f"{s[m]:.4f}" for m in metrics)]
                cells += [f"{s[f'{m}_normalised']:.3f}" for m in metrics]
                print("| " + " | ".join(cells) + " |")
            print()
    return 0


def main_metric_table(summary: list[dict], protocols: dict, labels: dict) -> str:
    """Markdown: one row per (features, learner), the main metric of every table and its
    oracle-normalised value."""
    tables = [(p, t, d.main_metric) for p, d in protocols.items() for t in d.targets]
    header = ["features", "learner"]
    header += [f"{p} {t} {labels[m]} (norm.)" for p, t, m in tables]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    keys = list(dict.fromkeys((s["features"], s["learner"]) for s in summary))
    keys.sort(key=lambda key: key[0] in ("oracle", "random"))
    for features, learner in keys:
        cells = [features, learner]
        for protocol, target, metric in tables:
            found = [
                s
                for s in summary
                if (s["protocol"], s["target"], s["features"], s["learner"])
                == (protocol, target, features, learner)
            ]
            value = found[0] if found else None
            cells.append(
                f"{value[metric]:.3f} ({value[f'{metric}_normalised']:.2f})" if value else ""
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


if __name__ == "__main__":
    sys.exit(main())
