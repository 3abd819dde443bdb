"""The in-domain CLIP encoder as a registered model: its ``mlflow.pyfunc`` wrapper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

import pop_pipeline.settings  # noqa: F401  (telemetry off in serving processes too)
from pop_pipeline.registry.clip_package import load_clip
from pop_pipeline.registry.model_code import PACKAGE_ARTIFACT


class ClipEncoderPyfunc(PythonModel):
    """The in-domain CLIP as a registered model: input ``media_uri`` and/or ``text`` columns,
    output the unit image and text embeddings as lists."""

    def load_context(self, context: Any) -> None:
        self.clip = load_clip(Path(context.artifacts[PACKAGE_ARTIFACT]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None):
        from pop_pipeline.ml.clip.encoding import encode_images, encode_texts

        frame = pd.DataFrame(model_input)
        output = pd.DataFrame(index=frame.index)
        if "media_uri" in frame:
            images = encode_images(self.clip, list(frame["media_uri"].astype(str)))
            output["image_embedding"] = [row.tolist() for row in images.embeddings]
        if "text" in frame:
            texts = encode_texts(self.clip, list(frame["text"].astype(str)))
            output["text_embedding"] = [row.tolist() for row in texts]
        return output
