"""Models-from-code entry of VBPR (``pop-vbpr``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import VbprPyfunc

mlflow.models.set_model(VbprPyfunc())
