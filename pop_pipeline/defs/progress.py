"""Progress logging for long steps, every asset alike: at most about ten lines per stage, and
one line per training epoch."""

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


def staged_progress_logger(
    context: dg.AssetExecutionContext, prefix: str
) -> Callable[[str, int, int], None]:
    """A ``progress(stage, done, total)`` callback: one :func:`progress_logger` per stage."""
    loggers: dict[str, Callable[[int, int], None]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in loggers:
            loggers[stage] = progress_logger(context, f"{prefix} {stage}")
        loggers[stage](done, total)

    return progress


def epoch_logger(
    context: dg.AssetExecutionContext,
    label: str,
    epochs: int | None = None,
    loss_name: str = "loss",
) -> Callable[[int, float, float | None], None]:
    """A ``log(epoch, loss, validation_loss=None)`` callback, ``epoch`` counted from 1: one line
    per epoch, ``<label> epoch <epoch>[/<epochs>]: <loss_name> <loss>[, validation <loss>]``."""
    of_total = "" if epochs is None else f"/{epochs}"

    def log(epoch: int, loss: float, validation_loss: float | None = None) -> None:
        shown = "" if validation_loss is None else f", validation {validation_loss:.4f}"
        context.log.info(f"{label} epoch {epoch}{of_total}: {loss_name} {loss:.4f}{shown}")

    return log
