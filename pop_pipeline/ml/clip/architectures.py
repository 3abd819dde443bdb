"""The CLIP architectures shipped with the package, as open_clip JSON configs.

Architectures are data (STYLE.md): each ``model_configs/<name>.json`` file is an open_clip
model config, registered with :func:`open_clip.add_model_config` so that every open_clip
entry point (``create_model``, ``get_tokenizer``, ``list_models``) knows it by name.
"""

from __future__ import annotations

import threading
from pathlib import Path

import open_clip

# The in-domain CLIP trained contrastively on the training split when no pretrained weights
# are configured: 64 px images in 8 px patches, 32-token captions, 128-d embeddings (12.7 M
# parameters; ~77 pairs/s training and ~245 pairs/s encoding on a 2-core CPU).
IN_DOMAIN_MODEL = "pop-clip-tiny"

MODEL_CONFIG_DIR = Path(__file__).parent / "model_configs"

_lock = threading.Lock()
_registered = False


def register_model_configs() -> list[str]:
    """Register the package's configs with open_clip (idempotent); return their names."""
    global _registered
    with _lock:
        if not _registered:
            open_clip.add_model_config(MODEL_CONFIG_DIR)
            _registered = True
    return sorted(path.stem for path in MODEL_CONFIG_DIR.glob("*.json"))
