"""Seeding for reproducible training runs."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic_algorithms: bool = False) -> None:
    """Seed Python's ``random``, NumPy's global state and torch (CPU and every CUDA device).

    With ``deterministic_algorithms`` torch also refuses (warns on) non-deterministic kernels,
    which GPU runs need for bit-identical results; CPU runs are deterministic without it.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds all CUDA devices
    if deterministic_algorithms:
        torch.use_deterministic_algorithms(True, warn_only=True)
