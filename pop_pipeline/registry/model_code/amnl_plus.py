"""Models-from-code entry of AMNL+ and its ablations (``pop-amnl_plus``, ...):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.registry.pyfunc_models import AmnlPlusPyfunc

mlflow.models.set_model(AmnlPlusPyfunc())
