"""Apply nested, dotted or bare-name overrides to a tree of frozen dataclasses.

Used by ``config.py`` to layer preset and user files onto the world config. Keys are checked
against the dataclass fields: an unknown key raises ``ValueError`` naming it, a bare field name
that exists in more than one section raises ``ValueError`` listing the candidates.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def read_override_file(path: Path) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or JSON file holding a mapping (empty file -> {})."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix.lower() == ".json":
        values = json.loads(text) if text.strip() else {}
    else:
        values = yaml.safe_load(text) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a mapping of config keys, got {type(values).__name__}")
    return values


def apply_overrides(root: T, values: dict[str, Any]) -> T:
    """Return a copy of the dataclass tree ``root`` with ``values`` applied."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        path = _resolve_path(root, str(key))
        _merge_into(nested, path, value)
    return _apply_nested(root, nested, prefix="")


def _resolve_path(root: Any, key: str) -> list[str]:
    """Turn a dotted or bare key into a field path from the root."""
    parts = key.split(".")
    if parts[0] in _field_names(root):
        return parts
    if len(parts) == 1:
        matches = list(_leaf_paths(root, key, []))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(".".join(m) for m in matches)
            raise ValueError(f"ambiguous world config key {key!r}: could be {names}")
    raise ValueError(f"unknown world config key {key!r}")


def _leaf_paths(node: Any, name: str, prefix: list[str]):
    """Yield paths of sections below ``node`` that own a field called ``name``."""
    for f in dataclasses.fields(node):
        child = getattr(node, f.name)
        if dataclasses.is_dataclass(child):
            if name in _field_names(child):
                yield [*prefix, f.name, name]
            yield from _leaf_paths(child, name, [*prefix, f.name])


def _merge_into(nested: dict[str, Any], path: list[str], value: Any) -> None:
    """Insert ``value`` at ``path`` in a nested dict, merging with what is there."""
    for part in path[:-1]:
        nested = nested.setdefault(part, {})
        if not isinstance(nested, dict):
            raise ValueError(f"world config key {'.'.join(path)!r} conflicts with a value")
    last = path[-1]
    if isinstance(value, dict) and isinstance(nested.get(last), dict):
        for sub_key, sub_value in value.items():
            _merge_into(nested[last], str(sub_key).split("."), sub_value)
    else:
        nested[last] = value


def _apply_nested(node: T, values: dict[str, Any], prefix: str) -> T:
    """Apply a nested dict to one dataclass, recursing into sub-dataclasses."""
    changes: dict[str, Any] = {}
    names = _field_names(node)
    for key, value in values.items():
        full = f"{prefix}{key}"
        if key not in names:
            raise ValueError(f"unknown world config key {full!r}")
        current = getattr(node, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ValueError(f"world config key {full!r} is a section; give a mapping")
            changes[key] = _apply_nested(current, value, prefix=f"{full}.")
        else:
            changes[key] = _coerce(full, current, value)
    return dataclasses.replace(node, **changes)


def _coerce(name: str, current: Any, value: Any) -> Any:
    """Convert ``value`` to the type of the field's current value, or raise ValueError."""
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(current, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(current, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(current, str) and isinstance(value, str):
        return value
    raise ValueError(f"world config key {name!r} expects {type(current).__name__}, got {value!r}")


def _field_names(node: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(node)}
