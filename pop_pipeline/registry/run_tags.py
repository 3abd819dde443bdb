"""Versions recorded on every MLflow run: which data and which code produced it."""

from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pandas as pd


def frame_fingerprint(*frames: pd.DataFrame) -> str:
    """A short SHA-256 over the frames' contents (row order included)."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(",".join(map(str, frame.columns)).encode())
        hashable = frame.apply(lambda column: column.map(repr)) if len(frame) else frame
        digest.update(pd.util.hash_pandas_object(hashable, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version, plus the git commit when running from a checkout."""
    version = metadata.version("pop_pipeline")
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}" if commit else version


def pip_requirements() -> list[str]:
    """Pinned requirements for a logged model (the serving environment runs our package)."""
    names = [
        "pop_pipeline",
        "torch",
        "open_clip_torch",
        "numpy",
        "pandas",
        "safetensors",
        "pillow",
        "boto3",
        "mlflow",
    ]
    pinned = []
    for name in names:
        try:
            pinned.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pinned.append(name)
    return pinned
