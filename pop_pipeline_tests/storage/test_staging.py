"""Staged tables become visible all together or not at all."""

import duckdb
import pandas as pd
import pytest

from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.storage.staging import staging_schema

OLD = {"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"y": ["old"]})}
NEW = {"a": pd.DataFrame({"x": [3, 1, 2, 9]}), "b": pd.DataFrame({"y": ["new", "newer"]})}


def _visible(store: DuckDBStore) -> dict[str, pd.DataFrame]:
    return {name: store.table(name) for name in ("a", "b")}


def _store_with_old_tables(tmp_path) -> DuckDBStore:
    store = DuckDBStore(tmp_path / "x.duckdb")
    for name, frame in OLD.items():
        store.replace_table(name, frame)
    return store


def _schemas(store: DuckDBStore) -> set[str]:
    return set(store.query("SELECT schema_name FROM information_schema.schemata")["schema_name"])


def test_publish_replaces_every_table_in_order_and_drops_the_staging_schema(tmp_path):
    store = _store_with_old_tables(tmp_path)
    with staging_schema(store, "stage") as staged:
        for name, frame in NEW.items():
            staged.write(name, frame)
        staged.publish(NEW)
    for name, frame in _visible(store).items():
        pd.testing.assert_frame_equal(frame, NEW[name])
    assert "stage" not in _schemas(store)


def test_nothing_changes_when_publishing_fails_halfway(tmp_path):
    store = _store_with_old_tables(tmp_path)
    with (
        pytest.raises(duckdb.CatalogException, match="missing"),
        staging_schema(store, "stage") as staged,
    ):
        staged.write("a", NEW["a"])
        staged.publish(["a", "missing"])  # "a" is copied, then the second copy fails
    for name, frame in _visible(store).items():
        pd.testing.assert_frame_equal(frame, OLD[name])
    assert "stage" not in _schemas(store)


def test_unpublished_tables_are_dropped_and_never_visible(tmp_path):
    store = _store_with_old_tables(tmp_path)
    with staging_schema(store, "stage") as staged:
        staged.write("a", NEW["a"])
        staged.write("c", NEW["b"])
        staged_a = staged.query(f"SELECT * FROM {staged.qualified('a')}")
    pd.testing.assert_frame_equal(staged_a, NEW["a"])
    for name, frame in _visible(store).items():
        pd.testing.assert_frame_equal(frame, OLD[name])
    assert not store.has_table("c")
    assert "stage" not in _schemas(store)


def test_a_killed_runs_leftovers_are_cleared_and_never_count_as_visible(tmp_path):
    store = DuckDBStore(tmp_path / "x.duckdb")
    with store.connect() as connection:  # what a run killed after staging leaves behind
        connection.execute("CREATE SCHEMA stage")
        connection.execute("CREATE TABLE stage.a AS SELECT 'junk' AS other_column")
    assert not store.has_table("a")
    with staging_schema(store, "stage") as staged:
        assert (
            staged.query(
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'stage'"
            )["n"].iloc[0]
            == 0
        )
        staged.write("a", NEW["a"])
        staged.write("b", NEW["b"])
        staged.publish(["a", "b"])
    pd.testing.assert_frame_equal(store.table("a"), NEW["a"])


def test_staging_schema_names_are_checked(tmp_path):
    store = DuckDBStore(tmp_path / "x.duckdb")
    with pytest.raises(ValueError, match="not a valid"), staging_schema(store, "s; DROP TABLE a"):
        pass
