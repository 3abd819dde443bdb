"""Models-from-code entry of AMNL and its ablations (``pop-amnl``, ``pop-amnl_i``, ...):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import AmnlPyfunc

mlflow.models.set_model(AmnlPyfunc())
