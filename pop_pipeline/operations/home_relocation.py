"""A ``POP_HOME`` copied or restored elsewhere works there: stored paths follow the home.

MLflow's SQLite store keeps absolute locations (an experiment's artifact location, each run's
artifact URI, each logged model's and model version's storage location), and DuckDB tables keep
absolute paths of files under the home (``clip_encoder.package_dir``, raw ``source_uri`` of a
generated world, ...). MLflow cannot store them relative to anything, so instead the home
records where its stores were written: ``pop_home.json`` (``{"home": "/abs/path"}``). At start
(:func:`adopt_home`: every ``pop`` command that opens the stores, and the Dagster definitions'
resources), when the recorded home differs from the current one, every text value of both
stores that holds the old home's path (plain or as a ``file://`` URI) is rewritten to the new
one, in one transaction per store, and the marker is updated last. A crash in between leaves
the old marker, and the rewrite is safely run again (values that already name the new home
are skipped).

Homes written before the marker existed: the old home is read from the MLflow experiment whose
artifact location is ``<home>/mlartifacts`` (the project's default), else the home is taken as
unmoved.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from pop_pipeline.storage.duckdb_store import DuckDBStore

MARKER = "pop_home.json"
MLFLOW_DB = "mlflow.db"  # settings.mlflow_tracking_uri's local default
DUCKDB_FILE = "pop.duckdb"  # settings.duckdb_path
ARTIFACT_ROOT = "mlartifacts"  # settings.mlflow_artifact_root


def recorded_home(home: Path) -> Path | None:
    """The home the stores under ``home`` were written in, from its marker (``None``: none)."""
    try:
        return Path(json.loads((home / MARKER).read_text())["home"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None


def adopt_home(home: Path) -> Path | None:
    """Make the stores under ``home`` name ``home``; return the old home when they named another.

    Cheap when nothing moved (one small file read). A home without stores is left untouched,
    and so is a read-only one (a home mounted read-only to serve models cannot be rewritten;
    restore it writable first).
    """
    home = home.resolve()
    stores = [home / MLFLOW_DB, home / DUCKDB_FILE]
    if not any(store.exists() for store in stores):
        return None
    if recorded_home(home) == home or not os.access(home, os.W_OK):
        return None
    with _exclusive(home):
        old = recorded_home(home) or _home_of_legacy_mlflow_store(home / MLFLOW_DB) or home
        if old != home:
            pairs = _path_pairs(old, home)
            if (home / MLFLOW_DB).exists():
                rewrite_sqlite_paths(home / MLFLOW_DB, pairs)
            if (home / DUCKDB_FILE).exists():
                rewrite_duckdb_paths(home / DUCKDB_FILE, pairs)
        _write_marker(home)
    return old if old != home else None


def _path_pairs(old: Path, new: Path) -> list[tuple[str, str]]:
    """(old, new) prefixes to replace, each ending in ``/``: the plain path and, where it
    differs, the path as a ``file://`` URI spells it (percent-encoded)."""
    pairs = [(f"{old}/", f"{new}/")]
    old_uri_path, new_uri_path = old.as_uri()[len("file://") :], new.as_uri()[len("file://") :]
    if (old_uri_path, new_uri_path) != (str(old), str(new)):
        pairs.append((f"{old_uri_path}/", f"{new_uri_path}/"))
    return pairs


def rewrite_sqlite_paths(path: Path, pairs: list[tuple[str, str]]) -> int:
    """In every text column of every table of the SQLite file ``path``, replace each old prefix
    with its new one (one transaction); return the number of values changed."""
    connection = sqlite3.connect(path, timeout=60)
    changed = 0
    try:
        with connection:  # commits at the end, rolls back on an error
            connection.execute("BEGIN IMMEDIATE")
            tables = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            for (table,) in tables:
                for column in _sqlite_text_columns(connection, table):
                    for old, new in pairs:
                        changed += connection.execute(
                            f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) '
                            f'WHERE instr("{column}", ?) > 0 AND instr("{column}", ?) = 0',
                            (old, new, old, new),
                        ).rowcount
    finally:
        connection.close()
    return changed


def _sqlite_text_columns(connection: sqlite3.Connection, table: str) -> list[str]:
    columns = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    textual = ("CHAR", "TEXT", "CLOB")  # SQLite's text affinity: VARCHAR(n), TEXT, ...
    return [name for _, name, kind, *_ in columns if any(t in kind.upper() for t in textual)]


def rewrite_duckdb_paths(path: Path, pairs: list[tuple[str, str]]) -> int:
    """The same for every VARCHAR column of every table of the DuckDB file (under its lock)."""
    changed = 0
    with DuckDBStore(path).connect() as connection:
        columns = connection.execute(
            "SELECT c.table_schema, c.table_name, c.column_name "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
            "WHERE t.table_type = 'BASE TABLE' AND c.data_type = 'VARCHAR'"
        ).fetchall()
        connection.execute("BEGIN TRANSACTION")
        try:
            for schema, table, column in columns:
                for old, new in pairs:
                    result = connection.execute(
                        f'UPDATE "{schema}"."{table}" SET "{column}" = replace("{column}", ?, ?) '
                        f'WHERE contains("{column}", ?) AND NOT contains("{column}", ?)',
                        [old, new, old, new],
                    ).fetchone()
                    changed += int(result[0]) if result else 0
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return changed


def _home_of_legacy_mlflow_store(path: Path) -> Path | None:
    """The home an unmarked MLflow store was written in: the folder holding ``mlartifacts`` in
    an experiment's ``file://`` artifact location."""
    if not path.exists():
        return None
    connection = sqlite3.connect(path, timeout=60)
    try:
        rows = connection.execute("SELECT artifact_location FROM experiments").fetchall()
    except sqlite3.DatabaseError:  # not (yet) an MLflow store
        return None
    finally:
        connection.close()
    for (location,) in rows:
        if location and location.startswith("file://"):
            folder = Path(_uri_path(location))
            if folder.name == ARTIFACT_ROOT:
                return folder.parent
    return None


def _uri_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


def _write_marker(home: Path) -> None:
    temporary = home / f"{MARKER}.tmp"
    temporary.write_text(json.dumps({"home": str(home)}) + "\n")
    os.replace(temporary, home / MARKER)


@contextmanager
def _exclusive(home: Path):
    """One process at a time adopts a home (others wait, then find the marker up to date)."""
    with open(home / f"{MARKER}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
