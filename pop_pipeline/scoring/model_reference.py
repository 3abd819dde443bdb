"""``pop predict --model``: a registered model's reference, checked before it is loaded.

``NAME@ALIAS`` and ``NAME/VERSION`` (with or without ``models:/``) are looked up in the
registry first, so a name, alias or version that does not exist is one clear
:class:`~pop_pipeline.usage_error.UsageError` naming the tracking store; other URIs
(``runs:/...``, a stage) are left to MLflow, whose not-found errors become the same.
Anything else MLflow raises (an unreachable server, a broken artifact) keeps its traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import (
    INVALID_PARAMETER_VALUE,
    RESOURCE_DOES_NOT_EXIST,
    ErrorCode,
)

from pop_pipeline.usage_error import UsageError

_NOT_FOUND = {
    ErrorCode.Name(RESOURCE_DOES_NOT_EXIST),
    ErrorCode.Name(INVALID_PARAMETER_VALUE),
}


def shown_uri(uri: str) -> str:
    """``uri`` with any password replaced by ``***`` (for messages)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def is_not_found(error: MlflowException) -> bool:
    """MLflow's answer to a name, alias, version or run that does not exist."""
    return error.error_code in _NOT_FOUND


def registered_name(model: str) -> str:
    """``pop-amnl`` of ``pop-amnl@champion``, ``models:/pop-amnl/3`` (else ``model``)."""
    body = model.removeprefix("models:/")
    if ":/" in body:
        return model
    return body.split("@", 1)[0].split("/", 1)[0]


def checked_model_uri(model: str, tracking_uri: str) -> str:
    """The ``models:/`` (or given) URI of ``model``, after checking the registry has it.

    Raises:
        UsageError: no such registered model, alias or version, or no alias or version given.
    """
    if ":/" in model and not model.startswith("models:/"):
        return model
    body = model.removeprefix("models:/")
    name = registered_name(body)
    where = shown_uri(tracking_uri)
    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    try:
        registered = client.get_registered_model(name)
    except MlflowException as error:
        if is_not_found(error):
            raise UsageError(f"no registered model {name!r} in {where}") from None
        raise
    aliases = ", ".join(sorted(registered.aliases or {})) or "none"
    if body == name:
        raise UsageError(
            f"--model {model!r} names no alias or version: use {name}@ALIAS "
            f"(aliases: {aliases}) or {name}/VERSION"
        )
    try:
        if "@" in body:
            client.get_model_version_by_alias(name, body.split("@", 1)[1])
        elif body.split("/", 1)[1].isdigit():
            client.get_model_version(name, body.split("/", 1)[1])
    except MlflowException as error:
        if not is_not_found(error):
            raise
        if "@" in body:
            alias = body.split("@", 1)[1]
            raise UsageError(
                f"registered model {name!r} has no alias {alias!r} in {where} "
                f"(its aliases: {aliases})"
            ) from None
        version = body.split("/", 1)[1]
        raise UsageError(f"registered model {name!r} has no version {version} in {where}") from None
    return f"models:/{body}"


def load_model(model: str, tracking_uri: str) -> mlflow.pyfunc.PyFuncModel:
    """The pyfunc model of ``model`` (see :func:`checked_model_uri`).

    Raises:
        UsageError: the model, alias, version or run does not exist.
    """
    uri = checked_model_uri(model, tracking_uri)
    body = uri.removeprefix("models:/")
    checked = uri.startswith("models:/") and ("@" in body or body.rsplit("/", 1)[-1].isdigit())
    try:
        return mlflow.pyfunc.load_model(uri)
    except MlflowException as error:
        if checked or not is_not_found(error):
            raise  # the registry has it: a failure now is not the user's
        first_line = str(error).strip().splitlines()[0]
        raise UsageError(
            f"cannot load {model!r} from {shown_uri(tracking_uri)}: {first_line}"
        ) from None
