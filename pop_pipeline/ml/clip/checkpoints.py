"""CLIP checkpoints: read, write, fingerprint, and fetch from S3 into a local cache.

A checkpoint is a state dict of the model's tensors, stored either as safetensors
(``.safetensors``) or with :func:`torch.save` (any other suffix), raw or wrapped as open_clip's
training scripts write it (``{"state_dict": ...}``). Loading never unpickles arbitrary objects
(``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from pop_pipeline.io import s3
from pop_pipeline.io.uris import local_path

CHECKPOINT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin", ".ckpt")


class CheckpointMismatchError(ValueError):
    """A checkpoint whose tensors do not fit the requested architecture."""


def state_dict_sha256(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 over names, dtypes, shapes and bytes of every tensor, in sorted key order.

    Computed on CPU copies, so it is the same across processes, devices and file formats.
    """
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().to("cpu").contiguous()
        digest.update(name.encode())
        digest.update(f"|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a checkpoint file into a CPU state dict (safetensors, raw or ``{"state_dict"}``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CLIP checkpoint not found: {path}")
    if path.suffix == ".safetensors":
        checkpoint: object = load_file(str(path), device="cpu")
    else:
        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # pickle and zip errors have no common base class
            raise CheckpointMismatchError(
                f"{path} is not a weights-only torch checkpoint: {type(error).__name__}: {error}"
            ) from error
    if isinstance(checkpoint, Mapping) and "state_dict" in checkpoint:
        checkpoint = checkpoint["state_dict"]
    if not isinstance(checkpoint, Mapping) or not all(
        isinstance(value, torch.Tensor) for value in checkpoint.values()
    ):
        raise CheckpointMismatchError(f"{path} does not hold a state dict of tensors")
    # Checkpoints saved from DistributedDataParallel prefix every key with "module.".
    return {key.removeprefix("module."): value for key, value in checkpoint.items()}


def check_state_dict_fits(
    expected: Mapping[str, torch.Tensor], found: Mapping[str, torch.Tensor], *, what: str
) -> None:
    """Raise :class:`CheckpointMismatchError` naming missing, unexpected and resized tensors."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    resized = [
        f"{key} {tuple(found[key].shape)} != {tuple(expected[key].shape)}"
        for key in sorted(set(expected) & set(found))
        if found[key].shape != expected[key].shape
    ]
    if not (missing or unexpected or resized):
        return
    problems = []
    for label, items in (("missing", missing), ("unexpected", unexpected), ("shape", resized)):
        if items:
            shown = ", ".join(items[:5]) + (f", … ({len(items)} in all)" if len(items) > 5 else "")
            problems.append(f"{label}: {shown}")
    raise CheckpointMismatchError(f"{what}: " + "; ".join(problems))


def write_state_dict(
    state_dict: Mapping[str, torch.Tensor], path: str | Path, *, metadata: dict[str, str]
) -> None:
    """Write a state dict as safetensors (``.safetensors``) or a ``{"state_dict"}`` torch file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {key: value.detach().to("cpu").contiguous() for key, value in state_dict.items()}
    partial = path.with_name(f".{path.name}.partial")
    if path.suffix == ".safetensors":
        save_file(tensors, str(partial), metadata=metadata)
    else:
        torch.save({"state_dict": tensors, **metadata}, partial)
    partial.replace(path)


def is_checkpoint_reference(pretrained: str) -> bool:
    """Whether ``pretrained`` names a checkpoint file or URI rather than an open_clip tag."""
    return (
        s3.is_s3_uri(pretrained)
        or pretrained.startswith("file://")
        or os.sep in pretrained
        or "/" in pretrained
        or pretrained.endswith(CHECKPOINT_SUFFIXES)
        or local_path(pretrained).exists()
    ) and not pretrained.startswith("hf-hub:")


def checkpoint_cache_dir() -> Path:
    """``$POP_HOME/cache/clip_checkpoints`` when ``POP_HOME`` is set, else a temp folder."""
    home = os.environ.get("POP_HOME")
    root = Path(home).expanduser() / "cache" if home else Path(tempfile.gettempdir()) / "pop_cache"
    return root / "clip_checkpoints"


def fetch_checkpoint(uri: str) -> Path:
    """A local path for a checkpoint path or URI, downloading ``s3://`` objects once.

    An S3 object is cached under :func:`checkpoint_cache_dir` by bucket and key and reused
    while the cached file has the object's size.
    """
    if not s3.is_s3_uri(uri):
        return local_path(uri)
    location = s3.S3Location.parse(uri)
    if not location.key:
        raise ValueError(f"S3 checkpoint URI without a key: {uri!r}")
    destination = checkpoint_cache_dir() / location.bucket / location.key
    size = s3.s3_client().head_object(Bucket=location.bucket, Key=location.key)["ContentLength"]
    if destination.is_file() and destination.stat().st_size == size:
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    s3.download_file(location, str(partial))
    partial.replace(destination)
    return destination
