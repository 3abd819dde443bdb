"""Models-from-code entry of BPR (``pop-bpr``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.pyfunc_models import BprPyfunc

mlflow.models.set_model(BprPyfunc())
