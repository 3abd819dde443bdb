"""Models-from-code entry of the CITING stand-in (``pop-citing``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import CitingPyfunc

mlflow.models.set_model(CitingPyfunc())
