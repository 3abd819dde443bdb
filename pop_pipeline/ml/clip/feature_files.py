"""Per-tweet tensors (patch grids, sentence features) in safetensors shards, not in DuckDB rows.

DESIGN.md: bulky per-token tensors go to files referenced from DuckDB. A shard holds up to
``rows_per_shard`` consecutive tweets: one tensor per feature name, stacked along the first axis,
and the shard's tweet ids (a JSON list in the safetensors metadata, key ``tweet_ids``).
:func:`write_feature_shards` returns the index DuckDB keeps — one row per tweet:
``tweet_id`` (str), ``shard_path`` (str), ``row`` (int64, the tweet's row inside the shard) —
and :func:`read_features` gathers rows back by tweet id from that index, checking each row's id
against the shard's own list so a stale index fails loudly instead of returning wrong rows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors import safe_open
from safetensors.numpy import save_file

FORMAT = "pop-tweet-features/1"  # value of the ``format`` metadata key of every shard
TWEET_IDS_KEY = "tweet_ids"
INDEX_COLUMNS = ("tweet_id", "shard_path", "row")
_RESERVED_KEYS = ("format", TWEET_IDS_KEY)


@dataclass
class FeatureShard:
    """One shard read back whole."""

    tweet_ids: list[str]  # the tweet of each row
    tensors: dict[str, np.ndarray]  # feature name -> [rows, ...]
    metadata: dict[str, str]  # caller's metadata (e.g. the encoder identity), format excluded


def shard_file_name(prefix: str, number: int) -> str:
    """``<prefix>-<number:05d>.safetensors``."""
    return f"{prefix}-{number:05d}.safetensors"


def write_feature_shards(
    directory: str | Path,
    tweet_ids: Sequence[str],
    tensors: Mapping[str, np.ndarray],
    *,
    rows_per_shard: int = 4096,
    prefix: str = "features",
    metadata: Mapping[str, str] | None = None,
    relative_to: str | Path | None = None,
) -> pd.DataFrame:
    """Write row-aligned tensors in shards under ``directory``; return the tweet index.

    Shards already in ``directory`` with the same ``prefix`` are deleted first, so the folder
    holds exactly what the returned index references. Each shard is written to a temporary
    name and renamed into place.

    Args:
        directory: local folder (created if missing).
        tweet_ids: one distinct id per row, in row order.
        tensors: feature name -> array whose first axis has ``len(tweet_ids)`` rows; written
            with its own dtype (e.g. float16 to halve the size).
        rows_per_shard: rows per file (the last shard may be smaller).
        prefix: file name prefix, so several feature sets can share a folder.
        metadata: extra string metadata stored in every shard (not ``format``/``tweet_ids``).
        relative_to: if given, ``shard_path`` is recorded relative to this folder (a data root
            that may move); otherwise it is ``directory / file name`` as given.

    Returns:
        DataFrame with columns ``tweet_id``, ``shard_path``, ``row``, one row per tweet in input
        order.
    """
    ids = [str(tweet_id) for tweet_id in tweet_ids]
    if rows_per_shard < 1:
        raise ValueError(f"rows_per_shard must be positive, got {rows_per_shard}")
    if len(set(ids)) != len(ids):
        raise ValueError("tweet_ids must be distinct")
    if not tensors:
        raise ValueError("at least one tensor is needed")
    for name, array in tensors.items():
        if len(array) != len(ids):
            raise ValueError(f"tensor {name!r} has {len(array)} rows for {len(ids)} tweet ids")
    extra = dict(metadata or {})
    if clash := [key for key in _RESERVED_KEYS if key in extra]:
        raise ValueError(f"metadata keys {clash} are reserved")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f"{prefix}-*.safetensors"):
        stale.unlink()

    shard_paths: list[str] = []
    rows: list[int] = []
    for number, start in enumerate(range(0, len(ids), rows_per_shard)):
        stop = min(start + rows_per_shard, len(ids))
        path = folder / shard_file_name(prefix, number)
        shard = {name: np.ascontiguousarray(array[start:stop]) for name, array in tensors.items()}
        header = {**extra, "format": FORMAT, TWEET_IDS_KEY: json.dumps(ids[start:stop])}
        temporary = path.with_name(path.name + ".tmp")
        save_file(shard, str(temporary), metadata=header)
        os.replace(temporary, path)
        recorded = os.path.relpath(path, relative_to) if relative_to is not None else str(path)
        shard_paths.extend([recorded] * (stop - start))
        rows.extend(range(stop - start))
    return pd.DataFrame(
        {
            "tweet_id": pd.Series(ids, dtype=object),
            "shard_path": pd.Series(shard_paths, dtype=object),
            "row": np.asarray(rows, dtype=np.int64),
        }
    )


def read_feature_shard(path: str | Path) -> FeatureShard:
    """Read one shard whole: its tweet ids, tensors and metadata."""
    with safe_open(str(path), framework="numpy") as handle:
        header = dict(handle.metadata() or {})
        _check_format(header, path)
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118
    tweet_ids = json.loads(header.pop(TWEET_IDS_KEY))
    header.pop("format")
    return FeatureShard(tweet_ids=tweet_ids, tensors=tensors, metadata=header)


def read_features(
    index: pd.DataFrame,
    tweet_ids: Sequence[str],
    *,
    names: Sequence[str] | None = None,
    root: str | Path | None = None,
) -> dict[str, np.ndarray]:
    """Gather the feature rows of ``tweet_ids`` (in that order) through the shard index.

    Args:
        index: the frame :func:`write_feature_shards` returned (or a DuckDB copy of it).
        tweet_ids: tweets to read; repeats are allowed.
        names: feature names to read; ``None``: every tensor of the shards.
        root: folder that relative ``shard_path`` values are resolved against.

    Raises:
        KeyError: a tweet id is not in the index.
        ValueError: the index is inconsistent with a shard (stale index or moved files).
    """
    missing_columns = [column for column in INDEX_COLUMNS if column not in index.columns]
    if missing_columns:
        raise ValueError(f"feature index lacks columns {missing_columns}")
    entries = index.assign(tweet_id=index["tweet_id"].astype(str)).set_index("tweet_id")
    if not entries.index.is_unique:
        raise ValueError("feature index lists a tweet id twice")
    wanted = pd.Index([str(tweet_id) for tweet_id in tweet_ids])
    absent = wanted.difference(entries.index)
    if len(absent):
        raise KeyError(f"{len(absent)} tweet ids are not in the feature index, e.g. {absent[0]}")
    located = entries.loc[wanted].reset_index()
    located["position"] = np.arange(len(located))
    if located.empty:
        return _empty_features(entries, names, root)

    out: dict[str, np.ndarray] = {}
    for shard_path, group in located.groupby("shard_path", sort=True):
        path = _resolve(str(shard_path), root)
        rows = group["row"].to_numpy(np.int64)
        with safe_open(str(path), framework="numpy") as handle:
            header = handle.metadata() or {}
            _check_format(header, path)
            shard_ids = json.loads(header[TWEET_IDS_KEY])
            if rows.max() >= len(shard_ids) or any(
                shard_ids[row] != tweet_id
                for row, tweet_id in zip(rows, group["tweet_id"], strict=True)
            ):
                raise ValueError(f"feature index does not match shard {path}")
            first, last = int(rows.min()), int(rows.max()) + 1
            for name in names if names is not None else sorted(handle.keys()):
                block = handle.get_slice(name)[first:last]
                if name not in out:
                    out[name] = np.empty((len(located), *block.shape[1:]), dtype=block.dtype)
                out[name][group["position"].to_numpy()] = block[rows - first]
    return out


def _empty_features(
    entries: pd.DataFrame, names: Sequence[str] | None, root: str | Path | None
) -> dict[str, np.ndarray]:
    """Zero-row arrays shaped like the first shard's tensors (nothing at all if no shard)."""
    if entries.empty:
        return {}
    with safe_open(str(_resolve(str(entries["shard_path"].iloc[0]), root)), "numpy") as handle:
        keys = names if names is not None else sorted(handle.keys())
        return {name: handle.get_slice(name)[0:0] for name in keys}


def _resolve(shard_path: str, root: str | Path | None) -> Path:
    path = Path(shard_path)
    return path if path.is_absolute() or root is None else Path(root) / path


def _check_format(header: Mapping[str, str], path: str | Path) -> None:
    if header.get("format") != FORMAT or TWEET_IDS_KEY not in header:
        raise ValueError(f"{path} is not a {FORMAT} shard")
