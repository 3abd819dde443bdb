"""Models-from-code entry of every regression model (``pop-dsn``, ``pop-gbdt``, ...):
see ``pop_pipeline.registry.model_code``."""

import mlflow

from pop_pipeline.regression.pyfunc import RegressionPyfunc

mlflow.models.set_model(RegressionPyfunc())
