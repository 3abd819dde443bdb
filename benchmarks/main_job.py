"""Time README's main job: generate a world, materialize the whole graph, per step.

Usage: python benchmarks/main_job.py [--preset demo] [--home DIR]

Prints the world generation time, every step's wall time, the total and the peak RSS, then the
metrics table. Run it on a fresh ``--home`` to include MLflow's database creation.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--home", help="POP_HOME to use (default: a new temp dir)")
    args = parser.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="pop_bench_"))
    os.environ["POP_HOME"] = str(home)
    os.environ.pop("POP_RAW_URI", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)

    import dagster as dg

    from pop_pipeline.cli import _default_raw_uri, _metrics
    from pop_pipeline.pipeline_run import run_pipeline

    started = time.perf_counter()
    os.environ["POP_RAW_URI"] = _default_raw_uri(args.preset)
    world_seconds = time.perf_counter() - started
    run_started = time.perf_counter()
    result = run_pipeline(instance=dg.DagsterInstance.ephemeral())
    run_seconds = time.perf_counter() - run_started

    starts: dict[str, float] = {}
    durations: dict[str, float] = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = event.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            durations[event.step_key] = event.timestamp - starts.get(event.step_key, event.timestamp)
    print(f"\nmachine: {os.cpu_count()} cores; preset {args.preset}; POP_HOME {home}")
    print(f"world generation: {world_seconds:8.1f} s")
    for step, seconds in sorted(durations.items(), key=lambda item: starts[item[0]]):
        print(f"{step:45s} {seconds:8.1f} s")
    print(f"whole graph (in-process run): {run_seconds:8.1f} s; success: {result.success}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.0f} MiB")
    _metrics(argparse.Namespace(json=False))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
