"""Read a hyperparameter's default from the frozen config dataclass that is its one home.

A model's frozen config (e.g. ``AMNLConfig``) or the shared training config holds each default
once, with the paper it comes from; the trainers' params and the Dagster run configs that the
launchpad shows take their defaults from there with :func:`field_default` instead of a copy.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def field_default(config: type, name: str) -> Any:
    """The default of field ``name`` of the dataclass ``config``.

    Raises:
        KeyError: ``config`` has no field ``name``, or the field has no plain default.
    """
    for item in dataclasses.fields(config):
        if item.name == name:
            if item.default is dataclasses.MISSING:
                raise KeyError(f"{config.__name__}.{name} has no plain default")
            return item.default
    raise KeyError(f"{config.__name__} has no field {name!r}")
