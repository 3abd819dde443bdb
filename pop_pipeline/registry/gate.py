"""Champion/challenger promotion in the MLflow model registry (aliases, not stages).

Every new version gets the alias ``challenger``. ``champion`` moves to it only if it beats the
current champion on the gate metric (strictly), or if there is no champion yet. The decision and
both figures are recorded as tags on the new version, so the registry explains itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

CHAMPION = "champion"
CHALLENGER = "challenger"
GATE_VALUE_TAG = "gate_metric_value"


@dataclass(frozen=True)
class GateDecision:
    model_name: str
    version: str
    metric: str
    value: float
    promoted: bool
    champion_version: str | None  # the champion before this decision
    champion_value: float | None
    reason: str

    def as_metadata(self) -> dict[str, object]:
        return {
            "registered_model": self.model_name,
            "model_version": self.version,
            "model_uri": f"models:/{self.model_name}/{self.version}",
            "gate_promoted": self.promoted,
            "gate_reason": self.reason,
        }


def _current_champion(client: MlflowClient, name: str) -> tuple[str | None, float | None]:
    try:
        version = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None, None
    value = version.tags.get(GATE_VALUE_TAG)
    return str(version.version), float(value) if value is not None else None


def register_with_gate(
    *,
    model_uri: str,
    model_name: str,
    metric: str,
    value: float,
    higher_is_better: bool = True,
    tags: dict[str, str] | None = None,
) -> GateDecision:
    """Register ``model_uri`` as a new version of ``model_name`` and apply the gate."""
    client = MlflowClient()
    champion_version, champion_value = _current_champion(client, model_name)
    registered = mlflow.register_model(model_uri, model_name, tags=tags or {})
    version = str(registered.version)
    if champion_version is None:
        promoted, reason = True, "promoted: no champion yet"
    elif champion_value is None or math.isnan(champion_value):
        promoted, reason = True, f"promoted: champion v{champion_version} has no {metric}"
    elif math.isnan(value):
        promoted, reason = False, f"kept champion v{champion_version}: challenger {metric} is NaN"
    else:
        better = value > champion_value if higher_is_better else value < champion_value
        if higher_is_better:
            relation = ">" if better else "<="
        else:
            relation = "<" if better else ">="
        promoted = better
        verdict = "promoted" if better else f"kept champion v{champion_version}"
        reason = (
            f"{verdict}: {metric} {value:.4f} {relation} champion v{champion_version} "
            f"{champion_value:.4f}"
        )
    for key, tag_value in {
        "gate_metric": metric,
        GATE_VALUE_TAG: repr(float(value)),
        "gate_decision": "promoted" if promoted else "kept_champion",
        "gate_reason": reason,
        "gate_previous_champion": champion_version or "",
    }.items():
        client.set_model_version_tag(model_name, version, key, tag_value)
    client.set_registered_model_alias(model_name, CHALLENGER, version)
    if promoted:
        client.set_registered_model_alias(model_name, CHAMPION, version)
    return GateDecision(
        model_name=model_name,
        version=version,
        metric=metric,
        value=float(value),
        promoted=promoted,
        champion_version=champion_version,
        champion_value=champion_value,
        reason=reason,
    )
