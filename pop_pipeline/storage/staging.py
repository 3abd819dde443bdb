"""Stage a set of tables in a DuckDB schema of their own, then publish them all at once.

A batch of tables that belong together (every raw table of one drop) is written to a staging
schema, validated there, and only then copied over the visible tables of the ``main`` schema in
one transaction, which also drops the staging schema: readers see the old tables or the new
ones, never a mix, and a process killed at any moment leaves one or the other (DuckDB's
write-ahead log replays a transaction only when its commit was written). Staging again first
drops whatever a killed run left in the staging schema.

The caller holds one connection (and so the file lock of :class:`DuckDBStore`) from staging to
publishing, so two ingestions cannot interleave their staged tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pandas as pd

from pop_pipeline.storage.duckdb_store import DuckDBStore, checked_identifier, frame_to_arrow

VISIBLE_SCHEMA = "main"


class StagingSchema:
    """Tables staged in ``schema`` on an open connection, published into ``main`` together."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.connection = connection
        self.schema = checked_identifier(schema)

    def qualified(self, name: str) -> str:
        """``schema.name``, for SQL on a staged table."""
        return f"{self.schema}.{checked_identifier(name)}"

    def clear(self) -> None:
        """Drop the staging schema and every table in it (a killed run's leftovers too)."""
        self.connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def write(self, name: str, frame: pd.DataFrame, *, vector_columns: Sequence[str] = ()) -> int:
        """Stage ``frame`` as ``name`` (rows kept in the frame's order); return its rows."""
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        self.connection.register("staged_frame", frame_to_arrow(frame, vector_columns))
        try:
            self.connection.execute(
                f"CREATE OR REPLACE TABLE {self.qualified(name)} AS SELECT * FROM staged_frame"
            )
        finally:
            self.connection.unregister("staged_frame")
        return len(frame)

    def query(self, sql: str, parameters: Sequence[object] | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, parameters or []).df()

    def publish(self, names: Iterable[str]) -> None:
        """Replace ``main.<name>`` by the staged table for every name, and drop the staging
        schema, in one transaction: all of them or (on any error) none."""
        statements = [
            f"CREATE OR REPLACE TABLE {VISIBLE_SCHEMA}.{checked_identifier(name)} "
            f"AS SELECT * FROM {self.qualified(name)}"
            for name in names
        ]
        self.connection.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                self.connection.execute(statement)
            self.connection.execute(f"DROP SCHEMA {self.schema} CASCADE")
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise


@contextmanager
def staging_schema(store: DuckDBStore, schema: str) -> Iterator[StagingSchema]:
    """An emptied staging schema on one locked connection; dropped on exit if not published."""
    with store.connect() as connection:
        staging = StagingSchema(connection, schema)
        staging.clear()
        try:
            yield staging
        finally:
            staging.clear()
