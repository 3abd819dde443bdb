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
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(instance=instance)
    run_seconds = time.perf_counter() - run_started

    stats = instance.get_run_step_stats(result.run_id)
    print(f"\nmachine: {os.cpu_count()} cores; preset {args.preset}; POP_HOME {home}")
    print(f"world generation: {world_seconds:8.1f} s")
    for step in sorted(stats, key=lambda s: s.start_time or 0):
        seconds = (step.end_time or 0) - (step.start_time or 0)
        print(f"{step.step_key:45s} {seconds:8.1f} s")
    print(f"whole graph (in-process run): {run_seconds:8.1f} s; success: {result.success}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.0f} MiB")
    _metrics(argparse.Namespace(json=False))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
