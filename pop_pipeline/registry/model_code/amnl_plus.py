"""Models-from-code entry of AMNL+ and its ablations (``pop-amnl_plus``, ...):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import AmnlPlusPyfunc

mlflow.models.set_model(AmnlPlusPyfunc())
