"""Models-from-code entry of AMNL and its ablations (``pop-amnl``, ``pop-amnl_i``, ...):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.pyfunc_models import AmnlPyfunc

mlflow.models.set_model(AmnlPyfunc())
