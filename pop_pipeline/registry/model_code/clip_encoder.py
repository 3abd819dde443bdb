"""Models-from-code entry of the in-domain CLIP encoder (``pop-clip``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.pyfunc_models import ClipEncoderPyfunc

mlflow.models.set_model(ClipEncoderPyfunc())
