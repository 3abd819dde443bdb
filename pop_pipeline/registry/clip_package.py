"""The CLIP encoder package: ``clip.safetensors`` (weights) and ``clip.json`` (architecture,
pretrained tag, weights hash), the folder every CLIP-reading ranking or regression package
bundles in ``clip/`` and the registered CLIP encoder loads."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from safetensors.torch import save_file

from pop_pipeline.ml.clip.factory import ClipBundle, create_clip


def _write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, indent=1, sort_keys=True))


def save_clip(bundle: ClipBundle, folder: Path) -> None:
    """Write the CLIP package to ``folder`` whole: built in a sibling folder, then moved in, so
    a process killed while saving never leaves a torn package where readers look."""
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    state = {
        key: value.detach().cpu().contiguous() for key, value in bundle.model.state_dict().items()
    }
    save_file(state, str(partial / "clip.safetensors"))
    identity = bundle.identity()
    _write_json(
        partial / "clip.json",
        {
            "architecture": bundle.architecture,
            "pretrained": identity.pretrained,
            "weights_sha256": identity.weights_sha256,
        },
    )
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)


def load_clip(folder: Path, device: str | None = None) -> ClipBundle:
    meta = json.loads((folder / "clip.json").read_text())
    return create_clip(meta["architecture"], str(folder / "clip.safetensors"), device=device)
