"""Models-from-code entry of D-Sempre (``pop-dsempre``, ``pop-dsempre_nosem``):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.ranking.pyfunc import DSemprePyfunc

mlflow.models.set_model(DSemprePyfunc())
