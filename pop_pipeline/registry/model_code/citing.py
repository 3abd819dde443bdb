"""Models-from-code entry of the CITING stand-in (``pop-citing``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.pyfunc_models import CitingPyfunc

mlflow.models.set_model(CitingPyfunc())
