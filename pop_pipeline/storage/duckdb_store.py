"""The DuckDB file that holds every table of the lineage, with all access serialised.

DuckDB allows one writing process per database file. Dagster may run steps in several
processes (the multiprocess executor, the UI, the daemon), so every connection is taken under an
exclusive ``fcntl`` lock on ``<file>.lock``: readers and writers queue instead of failing with
lock errors. Connections are short-lived (one per call) so the lock is never held between steps.
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def checked_identifier(name: str) -> str:
    """``name`` if it is a plain SQL identifier (safe to put in a statement), else ValueError."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid table name: {name!r}")
    return name


def frame_to_arrow(frame: pd.DataFrame, vector_columns: Sequence[str] = ()) -> pa.Table:
    """Convert ``frame`` to Arrow, storing ``vector_columns`` as fixed-size float32 lists.

    DuckDB maps Arrow fixed-size lists to ``FLOAT[d]`` arrays, so embeddings keep their dimension
    in the schema (and ``array_cosine_similarity`` works on them).
    """
    plain = frame.drop(columns=list(vector_columns))
    table = pa.Table.from_pandas(plain, preserve_index=False)
    for column in vector_columns:
        matrix = np.asarray(
            np.stack(frame[column].to_numpy()) if len(frame) else np.zeros((0, 0)), dtype=np.float32
        )
        dim = matrix.shape[1] if matrix.ndim == 2 else 0
        values = pa.array(matrix.reshape(-1), type=pa.float32())
        table = table.append_column(column, pa.FixedSizeListArray.from_arrays(values, dim))
    return table


class DuckDBStore:
    """Plain access to the project's DuckDB file (the Dagster resource wraps this)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection held under the file lock; closed (and the lock released) on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                connection = duckdb.connect(str(self.path))
                try:
                    yield connection
                finally:
                    connection.close()
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def replace_table(
        self,
        name: str,
        frame: pd.DataFrame,
        *,
        vector_columns: Sequence[str] = (),
    ) -> int:
        """Replace table ``name`` with ``frame`` (rows kept in the frame's order); return rows."""
        table = frame_to_arrow(frame, vector_columns)
        statement = f"CREATE OR REPLACE TABLE {checked_identifier(name)} AS SELECT * FROM "
        with self.connect() as connection:
            connection.register("incoming_frame", table)
            connection.execute(statement + "incoming_frame")
            connection.unregister("incoming_frame")
        return len(frame)

    def replace_rows(
        self,
        name: str,
        frame: pd.DataFrame,
        *,
        where: dict[str, object],
        vector_columns: Sequence[str] = (),
    ) -> int:
        """Delete the rows matching ``where`` (column = value) and append ``frame``.

        Creates the table from ``frame`` when it does not exist. Used for tables that several
        assets share, one slice each (for example one model's scores). The delete and the insert
        are one transaction: a process killed between them leaves the old slice, never none.
        """
        table = frame_to_arrow(frame, vector_columns)
        condition = " AND ".join(f"{checked_identifier(column)} = ?" for column in where)
        with self.connect() as connection:
            connection.register("incoming_frame", table)
            connection.execute("BEGIN TRANSACTION")
            try:
                if self._exists(connection, name):
                    connection.execute(
                        f"DELETE FROM {name} WHERE {condition}", list(where.values())
                    )
                    connection.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_frame")
                else:
                    connection.execute(
                        f"CREATE TABLE {checked_identifier(name)} AS SELECT * FROM incoming_frame"
                    )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            finally:
                connection.unregister("incoming_frame")
        return len(frame)

    def query(self, sql: str, parameters: Sequence[object] | None = None) -> pd.DataFrame:
        with self.connect() as connection:
            return connection.execute(sql, parameters or []).df()

    def table(self, name: str, order_by: str | None = None) -> pd.DataFrame:
        order = f" ORDER BY {order_by}" if order_by else ""
        return self.query(f"SELECT * FROM {checked_identifier(name)}{order}")

    def has_table(self, name: str) -> bool:
        with self.connect() as connection:
            return self._exists(connection, name)

    @staticmethod
    def _exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = ? AND table_schema = current_schema()",
            [name],
        ).fetchone()
        return bool(found and found[0])
