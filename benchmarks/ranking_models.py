"""Train one ranking model directly on a materialized lineage and time it (no MLflow, no Dagster).

Usage:
    python benchmarks/ranking_models.py --home DIR --model amnl_plus [--protocol amnl]
        [--fraction 0.8] [--set epochs=5 --set rnn_dim=128 ...]

``DIR`` is a ``POP_HOME`` where ``pop run`` has materialized the graph (DuckDB tables, feature
shards). The model's spec (``defs/ranking/model_specs.py``) gives the fit function and the
defaults; ``--set`` overrides a run-config field. Prints the training time, the per-epoch loss
and the protocol's test metrics, so per-model defaults can be chosen with evidence.
"""

import argparse
import json
import os
import sys
import time


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--protocol", default="amnl", choices=["amnl", "dsempre"])
    parser.add_argument("--fraction", type=float, default=0.8)
    parser.add_argument("--set", action="append", default=[], help="FIELD=VALUE (JSON)")
    args = parser.parse_args()
    os.environ["POP_HOME"] = args.home

    from pop_pipeline.defs.ranking.model_specs import RANKING_MODEL_SPECS
    from pop_pipeline.ml.clip.factory import resolve_device
    from pop_pipeline.ml.metrics.ranking import ranking_metrics
    from pop_pipeline.ranking.data.ranking_data import dsempre_train_fraction, load_ranking_data
    from pop_pipeline.ranking.fit.model_fits import RankingInputs
    from pop_pipeline.settings import get_settings
    from pop_pipeline.storage.duckdb_store import DuckDBStore

    spec = {s.name: s for s in RANKING_MODEL_SPECS}[args.model]
    overrides = dict(item.split("=", 1) for item in args.set)
    config = spec.config(**{k: _value(v) for k, v in overrides.items()})
    params = spec.training_params(config)
    store = DuckDBStore(get_settings().duckdb_path)
    fraction = dsempre_train_fraction(store) if args.protocol == "dsempre" else args.fraction
    loaded = time.perf_counter()
    data = load_ranking_data(store, fraction, args.protocol)
    inputs = RankingInputs(store, data)
    if spec.name.startswith("amnl_plus"):
        inputs.amnl_plus_tables  # noqa: B018 (read the shards before the clock starts)
    started = time.perf_counter()
    fitted = spec.fit(inputs, params, resolve_device())
    seconds = time.perf_counter() - started
    scored = data.test[["user_id", "tweet_id", "label"]].assign(score=fitted.test_scores)
    metrics = ranking_metrics(
        scored,
        ("p@1", "p@3", "auc")
        if args.protocol == "amnl"
        else ("p@1", "p@5", "p@10", "recall@1", "recall@5", "recall@10", "auc"),
    )
    print(
        json.dumps(
            {
                "model": spec.name,
                "protocol": args.protocol,
                "train_fraction": fraction,
                "overrides": overrides,
                "triplets": len(data.triplet_users),
                "test_candidates": len(data.test),
                "load_seconds": round(started - loaded, 1),
                "train_and_score_seconds": round(seconds, 1),
                "losses": [round(loss, 4) for loss in fitted.losses],
                "metrics": {k: round(v, 4) for k, v in metrics.items()},
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
