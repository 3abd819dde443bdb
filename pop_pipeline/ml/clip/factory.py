"""One entry point for every CLIP the pipeline uses: :func:`create_clip`.

The architecture (an open_clip config name, e.g. :data:`IN_DOMAIN_MODEL`) is chosen apart from
the weights (``pretrained``): random initialisation for in-domain training, a checkpoint file
or ``s3://`` URI, or an open_clip pretrained tag.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import open_clip
import torch

from pop_pipeline.io import s3
from pop_pipeline.ml.clip.architectures import register_model_configs
from pop_pipeline.ml.clip.checkpoints import (
    check_state_dict_fits,
    fetch_checkpoint,
    is_checkpoint_reference,
    read_state_dict,
    state_dict_sha256,
    write_state_dict,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncoderIdentity:
    """What produced a set of embeddings: recorded next to them, compared before reuse."""

    architecture: str  # open_clip config name, e.g. "pop-clip-tiny"
    pretrained: str | None  # tag, checkpoint path or URI; None: trained in-domain
    weights_sha256: str  # state_dict_sha256 of the weights


@dataclass
class ClipBundle:
    """A CLIP model with everything needed to feed it."""

    model: torch.nn.Module  # open_clip CLIP, in eval mode, on ``device``
    preprocess: Callable[[Any], torch.Tensor]  # PIL image -> tensor, deterministic (inference)
    train_preprocess: Callable[[Any], torch.Tensor]  # PIL image -> tensor, with augmentation
    tokenizer: Callable[[list[str]], torch.Tensor]  # texts -> token ids [N, context_length]
    device: torch.device  # where the model lives
    architecture: str  # open_clip config name
    pretrained: str | None  # where the weights came from; None: random init (to be trained)

    def identity(self) -> EncoderIdentity:
        """Architecture, weight source and a SHA-256 of the current weights."""
        return EncoderIdentity(
            architecture=self.architecture,
            pretrained=self.pretrained,
            weights_sha256=state_dict_sha256(self.model.state_dict()),
        )


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else ``$POP_DEVICE`` if set, else CUDA when available, else CPU."""
    if device is None:
        device = os.environ.get("POP_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def create_clip(
    architecture: str,
    pretrained: str | None = None,
    *,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> ClipBundle:
    """Create a CLIP model with its transforms and tokenizer.

    Args:
        architecture: An open_clip model config name: one shipped with the package (such as
            ``IN_DOMAIN_MODEL``, registered here) or one of open_clip's (``"ViT-B-32"``).
        pretrained: Where the weights come from.
            ``None``: random initialisation from ``seed`` (for in-domain contrastive training).
            A local path (or ``file://`` URI) to a checkpoint: ``.safetensors`` or a
            ``torch.save`` file holding a state dict, raw or as ``{"state_dict": ...}``; it must
            match the architecture exactly (:class:`CheckpointMismatchError` otherwise).
            An ``s3://bucket/key`` URI: downloaded once to ``$POP_HOME/cache`` (or a temp
            folder) through ``POP_S3_ENDPOINT_URL``/``AWS_*``, then loaded as a local path.
            Anything else: an open_clip pretrained tag (e.g. ``"laion2b_s34b_b79k"``), fetched
            by open_clip from its hub or cache.
        device: Where to put the model; ``None`` picks ``$POP_DEVICE``, else CUDA when
            available, else CPU.
        seed: Seed of the random initialisation (the weights are the same on every device).

    Returns:
        A :class:`ClipBundle` whose model is in eval mode on the resolved device.

    Raises:
        ValueError: Unknown architecture.
        FileNotFoundError: A checkpoint path that does not exist.
        CheckpointMismatchError: A checkpoint that does not fit the architecture.
    """
    register_model_configs()
    if open_clip.get_model_config(architecture) is None:
        known = ", ".join(open_clip.list_models())
        raise ValueError(f"unknown CLIP architecture {architecture!r}; known: {known}")
    target = resolve_device(device)
    checkpoint = pretrained if pretrained and is_checkpoint_reference(pretrained) else None
    tag = pretrained if pretrained and checkpoint is None else None

    # Initialise on CPU under a private RNG so the weights depend on the seed only.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model, train_preprocess, preprocess = open_clip.create_model_and_transforms(
            architecture, pretrained=tag, device="cpu"
        )
    if checkpoint is not None:
        _load_checkpoint(model, checkpoint, architecture)
    model.to(target).eval()
    return ClipBundle(
        model=model,
        preprocess=preprocess,
        train_preprocess=train_preprocess,
        tokenizer=open_clip.get_tokenizer(architecture),
        device=target,
        architecture=architecture,
        pretrained=pretrained,
    )


def _load_checkpoint(model: torch.nn.Module, checkpoint: str, architecture: str) -> None:
    path = fetch_checkpoint(checkpoint)
    state_dict = read_state_dict(path)
    expected = model.state_dict()
    # open_clip stores logit_scale as a 0-d or 1-element tensor depending on the version.
    for key in ("logit_scale", "logit_bias"):
        if key in state_dict and key in expected and state_dict[key].numel() == 1:
            state_dict[key] = state_dict[key].reshape(expected[key].shape)
    check_state_dict_fits(
        expected, state_dict, what=f"checkpoint {checkpoint} does not match {architecture!r}"
    )
    model.load_state_dict(state_dict, strict=True)
    logger.info("loaded CLIP %s weights from %s", architecture, checkpoint)


def save_checkpoint(bundle: ClipBundle, destination: str | Path) -> str:
    """Write the bundle's weights to a local path or ``s3://`` URI; return where they went.

    ``.safetensors`` destinations are written with safetensors, anything else with
    :func:`torch.save` as ``{"state_dict": ...}``. ``create_clip(architecture, destination)``
    reads them back with the same weights hash.
    """
    destination = str(destination)
    metadata = {"architecture": bundle.architecture}
    state_dict = bundle.model.state_dict()
    if not s3.is_s3_uri(destination):
        write_state_dict(state_dict, Path(destination.removeprefix("file://")), metadata=metadata)
        return destination
    location = s3.S3Location.parse(destination)
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / Path(location.key).name
        write_state_dict(state_dict, local, metadata=metadata)
        s3.upload_file(str(local), location)
    return destination
