"""Models-from-code entry of BPR (``pop-bpr``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import BprPyfunc

mlflow.models.set_model(BprPyfunc())
