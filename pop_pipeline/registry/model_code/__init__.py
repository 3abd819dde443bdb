"""MLflow models-from-code files: one small module per pyfunc kind.

Each file here builds its :class:`mlflow.pyfunc.PythonModel` and hands it to
``mlflow.models.set_model``; :func:`model_code_path` names the file that
``mlflow.pyfunc.log_model(python_model=<path>, artifacts={"package": ...})`` logs. MLflow
copies the file into the logged model and, on ``mlflow.pyfunc.load_model``, runs it instead of
unpickling a ``python_model.pkl``; the weights and parameters are the ``package`` artifact's
safetensors and JSON. The files import the pyfunc classes from the installed
``pop_pipeline``, the ``pop_pipeline`` requirement every logged model pins.
"""

from __future__ import annotations

from pathlib import Path

CODE_DIR = Path(__file__).resolve().parent
PACKAGE_ARTIFACT = "package"  # the artifact holding a model's package folder
# pyfunc class name → its models-from-code file in CODE_DIR
MODEL_CODE_FILES = {
    "AmnlPyfunc": "amnl.py",
    "AmnlPlusPyfunc": "amnl_plus.py",
    "VbprPyfunc": "vbpr.py",
    "CitingPyfunc": "citing.py",
    "DSemprePyfunc": "dsempre.py",
    "BprPyfunc": "bpr.py",
    "PopularityPyfunc": "popularity.py",
    "ClipEncoderPyfunc": "clip_encoder.py",
    "RegressionPyfunc": "regression.py",
}


def model_code_path(pyfunc: type) -> Path:
    """The models-from-code file that sets an instance of ``pyfunc``.

    Raises:
        KeyError: ``pyfunc`` is not one of the registered pyfunc classes.
    """
    try:
        return CODE_DIR / MODEL_CODE_FILES[pyfunc.__name__]
    except KeyError:
        known = sorted(MODEL_CODE_FILES)
        raise KeyError(f"no models-from-code file for {pyfunc.__name__}; known: {known}") from None
