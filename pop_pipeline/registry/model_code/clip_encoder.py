"""Models-from-code entry of the in-domain CLIP encoder (``pop-clip``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.clip_pyfunc import ClipEncoderPyfunc

mlflow.models.set_model(ClipEncoderPyfunc())
