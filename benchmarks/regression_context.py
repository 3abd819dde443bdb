"""What the observation-context term buys UHAN and DSN: each variant with and without it.

Usage:
    python benchmarks/regression_context.py --home DIR [--models uhan,dsn,...] [--seeds 1]

``DIR`` is a ``POP_HOME`` where ``pop run`` has materialized the regression tables and
``regression_metrics`` (its ``random`` and ``oracle`` rows normalise the scores here). Every
UHAN and DSN variant (or those of ``--models``) is trained through its asset's own fit function
and run config, once with ``use_context=True`` (the pipeline's default) and once with
``use_context=False`` (the paper's network), on its paper's protocol. Prints one JSON line per
(model, context, seed) with the protocol's metrics, their oracle-normalised values, the epochs
run and the seconds taken, then a markdown table of the main metric. Nothing is logged to
MLflow or written to DuckDB.
"""

import argparse
import json
import os
import sys
import time

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--models", default="", help="comma-separated; default every UHAN, DSN")
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    os.environ["POP_HOME"] = args.home

    from pop_pipeline.defs.regression.model_assets import StoredRegressionData
    from pop_pipeline.defs.regression.model_specs import REGRESSION_MODEL_SPECS
    from pop_pipeline.ml.metrics.oracle_normalised import oracle_normalised
    from pop_pipeline.ml.metrics.regression import regression_metrics
    from pop_pipeline.regression.protocols import PROTOCOLS
    from pop_pipeline.settings import get_settings
    from pop_pipeline.storage.duckdb_store import DuckDBStore

    specs = {spec.name: spec for spec in REGRESSION_MODEL_SPECS}
    chosen = [m for m in args.models.split(",") if m] or [
        name for name in specs if name.startswith(("uhan", "dsn"))
    ]
    if unknown := [
        m for m in chosen if m not in specs or "use_context" not in specs[m].config.model_fields
    ]:
        parser.error(f"not a UHAN or DSN model: {unknown}")
    store = DuckDBStore(get_settings().duckdb_path)
    stored = StoredRegressionData(store, needs_embeddings=True, needs_patches=True)
    reference = store.query(
        "SELECT protocol, target, model, metric, value FROM metrics "
        "WHERE task = 'popularity_regression' AND model IN ('random', 'oracle')"
    )
    if reference.empty:
        parser.error(f"{args.home} has no regression_metrics rows: materialize it first")
    ref = reference.set_index(["protocol", "target", "model", "metric"])["value"]

    rows = []
    for name in chosen:
        spec = specs[name]
        for use_context in (True, False):
            for seed in range(args.seeds):
                config = spec.config(use_context=use_context, seed=seed)
                (protocol, target) = spec.registered
                started = time.perf_counter()
                fitted = spec.fit(stored.data(protocol, target), config, "cpu", None)
                metrics = PROTOCOLS[protocol].metrics
                values = regression_metrics(fitted.test_targets, fitted.test_predictions, metrics)
                row = {
                    "model": name,
                    "context": use_context,
                    "seed": seed,
                    "protocol": protocol,
                    "target": target,
                    **{m: round(v, 4) for m, v in values.items()},
                    **{
                        f"{m}_normalised": round(
                            oracle_normalised(
                                v,
                                ref[(protocol, target, "random", m)],
                                ref[(protocol, target, "oracle", m)],
                            ),
                            3,
                        )
                        for m, v in values.items()
                    },
                    "epochs_run": fitted.metadata.get("epochs_run"),
                    "seconds": round(time.perf_counter() - started, 1),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)

    print("\n| model | main metric | with context | paper's network (no context) |")
    print("|---|---|---|---|")
    for name in chosen:
        protocol, _ = specs[name].registered
        main_metric = PROTOCOLS[protocol].main_metric
        cells = []
        for use_context in (True, False):
            mine = [r for r in rows if r["model"] == name and r["context"] == use_context]
            value = float(np.mean([r[main_metric] for r in mine]))
            norm = float(np.mean([r[f"{main_metric}_normalised"] for r in mine]))
            cells.append(f"{value:.4f} ({norm:.3f})")
        print(f"| {name} | {protocol} {main_metric} | {cells[0]} | {cells[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
