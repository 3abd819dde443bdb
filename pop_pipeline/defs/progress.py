"""Progress logging for long steps: at most about ten lines per stage."""

import time
from collections.abc import Callable

import dagster as dg


def progress_logger(context: dg.AssetExecutionContext, stage: str) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback that logs every ~10 % with a rate."""
    started = time.perf_counter()
    last = [0]

    def progress(done: int, total: int) -> None:
        if done == total or done - last[0] >= max(total // 10, 1):
            last[0] = done
            rate = done / max(time.perf_counter() - started, 1e-9)
            context.log.info(f"{stage}: {done}/{total} ({rate:.0f}/s)")

    return progress
