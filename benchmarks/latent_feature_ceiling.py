"""How far do the content features limit retweet ranking? VBPR on CLIP features vs the truth.

Usage:
    python benchmarks/latent_feature_ceiling.py --home DIR --oracle WORLD/oracle [--seeds 3]

``DIR`` is a ``POP_HOME`` where ``pop run`` has materialized the graph; ``WORLD/oracle`` the
generated world's ground truth. The same VBPR (pipeline defaults, AMNL protocol at 80 %) is
trained twice per seed: once on the CLIP image embeddings the pipeline uses, once with each
tweet's feature replaced by the world's latent truth (its content vector, image and text
quality). The test candidates, metrics and every other setting are the same, so the difference
is what a perfect content encoder would be worth. Prints one JSON line per (features, seed) and
a summary per feature set with the oracle-normalised AUC. The latent truth is read by this
benchmark only; no model of the pipeline ever sees it.
"""

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

import numpy as np


def latent_features(oracle, tweet_ids: list[str]) -> np.ndarray:
    """Per tweet: its latent content vector, image quality and text quality."""
    rows = []
    for index in oracle.tweet_indices(tweet_ids).tolist():
        latent = oracle.tweet_latent(int(index))
        rows.append(np.concatenate([latent.content, [latent.image_quality, latent.text_quality]]))
    return np.asarray(rows, dtype=np.float32)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    os.environ["POP_HOME"] = args.home

    from pop_pipeline.defs.evaluation.ranking_metrics import world_oracle_scorer
    from pop_pipeline.ml.clip.factory import resolve_device
    from pop_pipeline.ml.metrics.ranking import ranking_metrics
    from pop_pipeline.ranking.data.ranking_data import load_ranking_data
    from pop_pipeline.ranking.fit.content_trainers import VbprTrainingParams, train_vbpr
    from pop_pipeline.settings import get_settings
    from pop_pipeline.storage.duckdb_store import DuckDBStore
    from pop_pipeline.world.oracle import WorldOracle

    store = DuckDBStore(get_settings().duckdb_path)
    data = load_ranking_data(store, 0.8, "amnl")
    test = data.test
    truth = latent_features(WorldOracle.load(args.oracle), list(data.tweet_ids))
    labels = test[["user_id", "tweet_id", "label"]]
    scorer = world_oracle_scorer(Path(args.oracle))
    assert scorer is not None
    oracle_auc = ranking_metrics(labels.assign(score=scorer(test)), ("auc",))["auc"]
    rows = test["row"].to_numpy()
    summary: dict[str, list[float]] = {}
    for name, features in (("clip", data.image), ("latent truth", truth)):
        variant = dataclasses.replace(data, image=np.ascontiguousarray(features))
        for seed in range(args.seeds):
            params = VbprTrainingParams(epochs=10, seed=seed)
            trained, _ = train_vbpr(variant, params, resolve_device())
            scores = trained.score(test["user_id"], test["tweet_id"], variant.image[rows])
            auc = ranking_metrics(labels.assign(score=scores), ("auc",))["auc"]
            summary.setdefault(name, []).append(auc)
            print(json.dumps({"features": name, "seed": seed, "auc": round(auc, 4)}), flush=True)
    for name, aucs in summary.items():
        mean = float(np.mean(aucs))
        line = {"summary": True, "features": name, "auc_mean": round(mean, 4)}
        line |= {"auc_sd": round(float(np.std(aucs)), 4), "oracle_auc": round(oracle_auc, 4)}
        line["auc_normalised"] = round((mean - 0.5) / (oracle_auc - 0.5), 3)  # random = 0.5
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
