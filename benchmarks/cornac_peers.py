"""Cornac's BPR and VBPR next to ours, on exactly our training split and our test protocols.

Usage (Cornac is a peer, not a dependency of the project; any interpreter that can import both
``pop_pipeline`` and ``cornac==3.0.1`` will do):

    python benchmarks/cornac_peers.py --home DIR [--protocol amnl|dsempre|both] [--seeds N]

``DIR`` is a ``POP_HOME`` where ``pop run`` has materialized the graph. For each protocol the
training positives are the (user, tweet) pairs of our training triplets (the same split, users
and tweets with embeddings); Cornac draws its own uniform negatives among the training items, as
its models do. Visual features are our CLIP image embeddings. Test candidates are our
protocol's, scored and measured with our metrics (per-user AUC, P@1). A tweet Cornac never saw
(every AMNL-protocol test tweet is new) gets BPR's cold score 0 and VBPR's visual part
``θ_uᵀ(E f_i) + β'ᵀ f_i``, the same cold-item rule as ours. Every model is trained with seeds
``0..N-1`` (one JSON line per model and seed), then one summary line per model gives the mean
and standard deviation over the seeds: a single seed differed from the mean by 0.007 AUC here.
"""

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np


def _cornac_pairs(data):
    users = np.asarray(data.user_ids)[data.triplet_users]
    tweets = np.asarray(data.tweet_ids)[data.triplet_pos]
    pairs = sorted(set(zip(users.tolist(), tweets.tolist(), strict=True)))
    return [(user, tweet, 1.0) for user, tweet in pairs]


def _indices(ids, id_map) -> np.ndarray:
    return np.array([id_map.get(str(value), -1) for value in ids], dtype=np.int64)


def cornac_bpr_scores(model, train_set, test) -> np.ndarray:
    users = _indices(test["user_id"], train_set.uid_map)
    items = _indices(test["tweet_id"], train_set.iid_map)
    scores = np.zeros(len(test))
    known = (users >= 0) & (items >= 0)
    scores[known] = (model.u_factors[users[known]] * model.i_factors[items[known]]).sum(1)
    scores[known] += model.i_biases[items[known]]
    return scores


def cornac_vbpr_scores(model, train_set, test, image: np.ndarray) -> np.ndarray:
    users = _indices(test["user_id"], train_set.uid_map)
    items = _indices(test["tweet_id"], train_set.iid_map)
    visual = image @ model.emb_matrix  # [rows, k2]: E f for every candidate, seen or not
    scores = (image @ model.beta_prime).ravel()
    known_user = users >= 0
    scores[known_user] += (model.theta_user[users[known_user]] * visual[known_user]).sum(1)
    both = known_user & (items >= 0)
    scores[both] += model.beta_item[items[both]]
    scores[both] += (model.gamma_user[users[both]] * model.gamma_item[items[both]]).sum(1)
    return scores


def report(protocol, test, model: str, scores: np.ndarray, seconds: float, settings) -> dict:
    from pop_pipeline.ml.metrics.ranking import ranking_metrics

    scored = test[["user_id", "tweet_id", "label"]].assign(score=scores)
    metrics = ranking_metrics(scored, ("p@1", "auc"))
    row = {"protocol": protocol, "model": model, "train_seconds": round(seconds, 1)}
    row |= {k: round(v, 4) for k, v in metrics.items()} | {"settings": settings}
    print(json.dumps(row, default=str), flush=True)
    return row


def summarise(rows: list[dict]) -> None:
    """One line per (protocol, model): mean and standard deviation over the seeds."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["protocol"], row["model"]), []).append(row)
    for (protocol, model), runs in groups.items():
        summary = {"summary": True, "protocol": protocol, "model": model, "seeds": len(runs)}
        for key in ("auc", "p@1", "train_seconds"):
            values = np.array([run[key] for run in runs], dtype=float)
            summary[f"{key}_mean"] = round(float(values.mean()), 4)
            summary[f"{key}_sd"] = round(float(values.std()), 4)
        print(json.dumps(summary), flush=True)


def compare_once(store, protocol, data, test, image_of_test, specs, seed: int) -> list[dict]:
    """Ours (pipeline defaults) and Cornac's BPR and VBPR, all trained with ``seed``."""
    import cornac
    from cornac.data import Dataset, ImageModality

    from pop_pipeline.ml.clip.factory import resolve_device
    from pop_pipeline.ranking.fit.model_fits import RankingInputs

    rows = []
    for name in ("bpr", "vbpr"):  # ours, with the pipeline's defaults
        spec = specs[name]
        params = dataclasses.replace(spec.training_params(spec.config()), seed=seed)
        started = time.perf_counter()
        fitted = spec.fit(RankingInputs(store, data), params, resolve_device())
        row = report(
            protocol,
            test,
            f"pop {name}",
            fitted.test_scores,
            time.perf_counter() - started,
            vars(params),
        )
        rows.append(row)

    triples = _cornac_pairs(data)
    train_set = Dataset.from_uir(triples, seed=seed)
    settings = {"k": 64, "max_iter": 100, "seed": seed}  # Cornac's other defaults
    started = time.perf_counter()
    bpr = cornac.models.BPR(**settings, verbose=False).fit(train_set)
    seconds = time.perf_counter() - started
    rows.append(
        report(
            protocol, test, "cornac BPR", cornac_bpr_scores(bpr, train_set, test), seconds, settings
        )
    )

    item_image = ImageModality(features=data.image, ids=list(data.tweet_ids), normalized=True)
    item_image.build(id_map=train_set.iid_map)
    train_set.add_modalities(item_image=item_image)
    settings = {"k": 32, "k2": 32, "n_epochs": 10, "batch_size": 256, "seed": seed}
    started = time.perf_counter()
    vbpr = cornac.models.VBPR(**settings, verbose=False).fit(train_set)
    seconds = time.perf_counter() - started
    scores = cornac_vbpr_scores(vbpr, train_set, test, image_of_test)
    rows.append(report(protocol, test, "cornac VBPR", scores, seconds, settings))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--protocol", default="both", choices=["amnl", "dsempre", "both"])
    parser.add_argument("--seeds", type=int, default=5, help="train each model with 0..N-1")
    args = parser.parse_args()
    os.environ["POP_HOME"] = args.home

    from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS
    from pop_pipeline.ranking.data.ranking_data import dsempre_train_fraction, load_ranking_data
    from pop_pipeline.settings import get_settings
    from pop_pipeline.storage.duckdb_store import DuckDBStore

    specs = {spec.name: spec for spec in RANKING_MODEL_SPECS}
    store = DuckDBStore(get_settings().duckdb_path)
    protocols = ["amnl", "dsempre"] if args.protocol == "both" else [args.protocol]
    rows: list[dict] = []
    for protocol in protocols:
        fraction = dsempre_train_fraction(store) if protocol == "dsempre" else 0.8
        data = load_ranking_data(store, fraction, protocol)
        test = data.test
        image_of_test = data.image[test["row"].to_numpy()]

        for seed in range(args.seeds):
            rows += compare_once(store, protocol, data, test, image_of_test, specs, seed)
    summarise(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
