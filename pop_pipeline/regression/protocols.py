"""The three popularity-regression protocols as data (DESIGN.md), each defined once here.

``paper001`` Hybrid CNN (paper 001 §4.1), ``paper002`` UHAN (paper 002 §4.1.1) and ``paper004``
DSN (paper 004 §4.1); how each splits its tweets is in :mod:`pop_pipeline.regression.data.splits`.

Main metrics (:attr:`RegressionProtocol.main_metric`, the champion/challenger gate):
``paper001`` Spearman (the paper's ranking-quality measure, scale-free, so unaffected by our
log1p targets; see ``popularity_targets``), ``paper002`` MSE (the model's training loss and the
paper's first column), ``paper004`` MAE (the paper tunes α and β on it, Figure 3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegressionProtocol:
    """How one paper splits and scores its popularity predictions."""

    name: str  # the protocol's id, used in every table
    paper: str  # the paper's number in ../shared/papers
    targets: tuple[str, ...]  # the popularity_targets columns it evaluates
    metrics: tuple[str, ...]  # the regression metrics of its tables, in the paper's order
    main_metric: str  # the metric gating champion/challenger
    ratio: tuple[int, int, int]  # train : validation : test weights
    chronological_train: bool  # train = the earliest tweets (else a random sample)
    chronological_rest: bool  # validation before test in time (else a random split of the rest)


PROTOCOLS: dict[str, RegressionProtocol] = {
    protocol.name: protocol
    for protocol in (
        RegressionProtocol(
            "paper001", "001", ("log_retweets", "log_likes"), ("medae", "spearman"), "spearman",
            (1, 0, 1), chronological_train=False, chronological_rest=False,
        ),
        RegressionProtocol(
            "paper002", "002", ("popularity_score",), ("mse", "mae"), "mse",
            (7, 1, 2), chronological_train=True, chronological_rest=False,
        ),
        RegressionProtocol(
            "paper004", "004", ("popularity_score",), ("mae", "spearman"), "mae",
            (8, 1, 1), chronological_train=True, chronological_rest=True,
        ),
    )
}  # fmt: skip

# every target some protocol evaluates, in protocol order
TARGETS = tuple(dict.fromkeys(target for p in PROTOCOLS.values() for target in p.targets))
