"""``pop``: generate worlds, run the lineage, print metrics, score tweets, open the UI.

Exit status: 0 on success; 2 for a mistake in the call (a bad option, a missing or unreadable
file, an unknown registered model: one line ``pop <command>: message`` on standard error, no
traceback — :class:`~pop_pipeline.usage_error.UsageError`); 1 when the command ran but there
was nothing to show or it failed (no metrics yet, no tweet could be scored, a failed run).
Unexpected errors keep their traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from pop_pipeline.settings import disable_telemetry, get_settings
from pop_pipeline.usage_error import UsageError


def _world_config(args: argparse.Namespace):
    """The preset's config with ``--config`` applied; a missing or invalid file is a
    :class:`UsageError`."""
    import yaml

    from pop_pipeline.world import load_world_config

    if args.config is None:
        return load_world_config(args.preset, None, args.seed)
    path = Path(args.config)
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise UsageError(f"--config {path}: {problem}")
    try:
        return load_world_config(args.preset, path, args.seed)
    except (ValueError, yaml.YAMLError) as error:  # JSON and UTF-8 errors are ValueErrors
        raise UsageError(f"--config {path}: {' '.join(str(error).split())}") from None


def _world(args: argparse.Namespace) -> int:
    from pop_pipeline.world import generate_world

    config = _world_config(args)
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        print(f"\r{stage}: {done}/{total}   ", end="", file=sys.stderr, flush=True)

    manifest = generate_world(config, args.out, progress=progress)
    print(file=sys.stderr)
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    print(
        f"wrote {args.preset} world (seed {config.seed}) to {args.out} in "
        f"{time.perf_counter() - started:.1f} s: {counts}"
    )
    return 0


def _default_raw_uri(preset: str) -> str:
    """``POP_RAW_URI``, else a generated world under ``POP_HOME/worlds/<preset>``."""
    if os.environ.get("POP_RAW_URI"):
        return os.environ["POP_RAW_URI"]
    target = get_settings().worlds_dir / preset
    if not (target / "manifest.json").exists():
        from pop_pipeline.world import generate_world, load_world_config

        print(f"generating the {preset} world in {target} ...", flush=True)
        generate_world(load_world_config(preset), target)
    return str(target)


def _raw_uri(args: argparse.Namespace) -> str:
    """``--raw``, ``POP_RAW_URI`` or the generated world; a local one must be a folder."""
    raw_uri = args.raw or _default_raw_uri(args.preset)
    if "://" not in raw_uri and not Path(raw_uri).is_dir():
        option = "--raw" if args.raw else "POP_RAW_URI"
        problem = "is not a directory" if Path(raw_uri).exists() else "does not exist"
        raise UsageError(f"{option} {raw_uri} {problem}")
    return raw_uri


# Dagster's errors for a --select that is not valid syntax or names no asset
_SELECTION_ERRORS = {"DagsterInvalidAssetSelectionError", "DagsterInvalidSubsetError"}


def _materialize(selection: str | None, instance):
    """``run_pipeline(selection)``; a ``--select`` Dagster cannot resolve is a
    :class:`UsageError` (its first reason), other errors keep their traceback."""
    from pop_pipeline.pipeline_run import run_pipeline

    try:
        return run_pipeline(
            selection=selection, instance=instance, log=lambda line: print(line, flush=True)
        )
    except Exception as error:
        cause: BaseException | None = error
        while cause is not None and type(cause).__name__ not in _SELECTION_ERRORS:
            cause = cause.__cause__ or cause.__context__
        if selection is None or cause is None:
            raise
        reason = str(cause).strip().splitlines()[0]
        raise UsageError(f"--select {selection!r}: {reason}") from None


def _run(args: argparse.Namespace) -> int:
    import dagster as dg

    from pop_pipeline.instance import ensure_dagster_home
    from pop_pipeline.runs.interrupts import start_interrupt_watchdog
    from pop_pipeline.runs.leases import acquire_process_lease
    from pop_pipeline.runs.recovery import existing_tracking_uri
    from pop_pipeline.runs.run_queue import exclusive_home_run

    settings = get_settings()
    with exclusive_home_run(settings.home, log=lambda line: print(line, flush=True)):
        os.environ["POP_RAW_URI"] = _raw_uri(args)
        ensure_dagster_home()
        instance = dg.DagsterInstance.get()
        start_interrupt_watchdog(
            instance,
            acquire_process_lease(instance.root_directory),
            existing_tracking_uri(settings.mlflow_tracking_uri),
        )
        result = _materialize(args.select, instance)
    _print_run_summary(result)
    if not result.success:
        print(
            "run failed: see the log above (blocking checks stop everything downstream)",
            file=sys.stderr,
        )
        return 1
    if args.select is None:
        return _metrics(argparse.Namespace(json=False))
    return 0


def _print_run_summary(result) -> None:
    """One line per materialized asset (rows, when known) and per check; under a failed check,
    one line per failed expectation (count, share, a few offending ids); then each failed
    step's reason."""
    from pop_pipeline.quality.failure_lines import (
        FAILED_EXPECTATIONS_KEY,
        failed_expectation_line,
    )

    print(f"\nrun {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        rows = materialization.metadata.get("dagster/row_count")
        shown = f" ({rows.value} rows)" if rows is not None else ""
        print(f"  materialized {materialization.asset_key.to_user_string()}{shown}")
    for evaluation in result.get_asset_check_evaluations():
        verdict = "passed" if evaluation.passed else "FAILED"
        print(
            f"  check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {verdict}"
        )
        failed = evaluation.metadata.get(FAILED_EXPECTATIONS_KEY)
        if not evaluation.passed and failed is not None:
            for summary in failed.value or []:
                print(f"    - {failed_expectation_line(summary)}")
    for event in result.all_events:
        if event.is_step_failure:
            print(
                f"  step {event.step_key} failed: {_failure_reason(event.step_failure_data.error)}"
            )


def _failure_reason(error) -> str:
    """The first line of a step's error, without the exception's module-qualified class name."""
    lines = (error.message if error else "").strip().splitlines()
    if not lines:
        return "no message"
    prefix, _, rest = lines[0].partition(": ")
    return rest if rest and prefix.rsplit(".", 1)[-1] == error.cls_name else lines[0]


def _metrics(args: argparse.Namespace) -> int:
    from pop_pipeline.evaluation.ranking_tables import markdown_table
    from pop_pipeline.evaluation.regression_tables import TASK as REGRESSION_TASK
    from pop_pipeline.evaluation.regression_tables import regression_markdown_table
    from pop_pipeline.storage.duckdb_store import DuckDBStore

    store = DuckDBStore(get_settings().duckdb_path)
    if not store.path.exists() or not store.has_table("metrics"):
        print("pop metrics: no metrics yet: run `pop run` first", file=sys.stderr)
        return 1  # missing data, not a mistake in the call
    table = store.query(
        "SELECT * FROM metrics ORDER BY task, protocol, train_fraction, model, metric"
    )
    if "target" not in table.columns:  # written before the regression tables existed
        table["target"] = None
    if args.json:
        records = json.loads(table.to_json(orient="records"))
        print(json.dumps(records, indent=1))
        return 0
    ranking = table[table["task"] != REGRESSION_TASK]
    for (protocol, fraction), part in ranking.groupby(["protocol", "train_fraction"]):
        print(f"\n{protocol} protocol, train fraction {fraction:.2f}\n")
        print(markdown_table(part))
    regression = table[table["task"] == REGRESSION_TASK]
    for (protocol, target), part in regression.groupby(["protocol", "target"]):
        print(f"\n{protocol} protocol, popularity target {target}\n")
        print(regression_markdown_table(part))
    return 0


def _predict(args: argparse.Namespace) -> int:
    from pop_pipeline.scoring.predict import predict_file

    return predict_file(
        model=args.model,
        input_path=Path(args.input),
        users=args.users,
        output=Path(args.output) if args.output else None,
        observed_at=args.observed_at,
    )


def _ui(args: argparse.Namespace) -> int:
    from pop_pipeline.instance import ensure_dagster_home
    from pop_pipeline.operations.dev_server import dg_dev_command
    from pop_pipeline.operations.home_relocation import adopt_home
    from pop_pipeline.operations.supervisor import run_supervised

    adopt_home(get_settings().home)
    ensure_dagster_home()
    command, project_root = dg_dev_command(args.host, args.port)
    print(
        f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})",
        flush=True,
    )
    return run_supervised(command, cwd=project_root)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    world = commands.add_parser("world", help="write a synthetic world in the raw format")
    world.add_argument("--preset", required=True, choices=["tiny", "demo", "paper", "large"])
    world.add_argument("--config", help="YAML or JSON file overriding any knob of the preset")
    world.add_argument("--seed", type=int, help="seed (default: the preset's)")
    world.add_argument("--out", required=True, help="output directory")
    world.set_defaults(handler=_world)

    run = commands.add_parser("run", help="materialize the asset graph in-process")
    run.add_argument(
        "--raw",
        help="raw data directory or s3://bucket/prefix "
        "(default: $POP_RAW_URI, else a generated world)",
    )
    run.add_argument("--preset", default="demo", help="world generated when no raw data is given")
    run.add_argument("--select", help="Dagster asset selection, e.g. 'group:raw' or 'amnl_model+'")
    run.set_defaults(handler=_run)

    metrics = commands.add_parser("metrics", help="print the latest metrics table")
    metrics.add_argument("--json", action="store_true", help="a JSON array of records")
    metrics.set_defaults(handler=_metrics)

    predict = commands.add_parser(
        "predict", help="score raw tweets with a registered ranking or regression model"
    )
    predict.add_argument(
        "--model",
        required=True,
        help="NAME[@ALIAS|/VERSION], e.g. pop-amnl@champion, pop-dsn@champion",
    )
    predict.add_argument("--input", required=True, help="JSON Lines of API v2 tweets with media")
    predict.add_argument(
        "--users", help="ranking models: comma-separated user ids to score every tweet for"
    )
    predict.add_argument(
        "--observed-at",
        help="regression models: ISO 8601 time the popularity is predicted for "
        "(hours elapsed end there; default: now, UTC)",
    )
    predict.add_argument("--output", help="write JSON Lines here instead of standard output")
    predict.set_defaults(handler=_predict)

    ui = commands.add_parser(
        "ui",
        help="start the Dagster UI and daemon (`dg dev`) on this project's instance; "
        "Ctrl-C or SIGTERM stops every process it started",
    )
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(handler=_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    disable_telemetry()
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"pop {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
