"""Models-from-code entry of the popularity ranker (``pop-popularity``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import PopularityPyfunc

mlflow.models.set_model(PopularityPyfunc())
