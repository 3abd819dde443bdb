"""CLIP image and text encoders (open_clip): creation, checkpoints, contrastive training, encoding.

Plain PyTorch; the Dagster assets that use it live in ``pop_pipeline/defs``.
"""

from pop_pipeline.ml.clip.architectures import IN_DOMAIN_MODEL, register_model_configs
from pop_pipeline.ml.clip.checkpoints import CheckpointMismatchError, state_dict_sha256
from pop_pipeline.ml.clip.contrastive_training import ContrastiveTrainingConfig, train_contrastive
from pop_pipeline.ml.clip.encoding import EncodedImages, encode_images, encode_texts
from pop_pipeline.ml.clip.factory import (
    ClipBundle,
    EncoderIdentity,
    create_clip,
    resolve_device,
    save_checkpoint,
)

__all__ = [
    "IN_DOMAIN_MODEL",
    "CheckpointMismatchError",
    "ClipBundle",
    "ContrastiveTrainingConfig",
    "EncodedImages",
    "EncoderIdentity",
    "create_clip",
    "encode_images",
    "encode_texts",
    "register_model_configs",
    "resolve_device",
    "save_checkpoint",
    "state_dict_sha256",
    "train_contrastive",
]
