import multiprocessing

import numpy as np
import pandas as pd

from pop_pipeline.storage.duckdb_store import DuckDBStore


def test_vectors_are_fixed_size_float_arrays(tmp_path):
    store = DuckDBStore(tmp_path / "x.duckdb")
    frame = pd.DataFrame({"id": ["a", "b"], "v": [np.array([0.6, 0.8]), np.array([1.0, 0.0])]})
    store.replace_table("vectors", frame, vector_columns=["v"])
    typed = store.query("SELECT typeof(v) AS t, array_cosine_similarity(v, v) AS s FROM vectors")
    assert list(typed["t"]) == ["FLOAT[2]", "FLOAT[2]"]
    np.testing.assert_allclose(typed["s"], [1.0, 1.0], rtol=1e-6)


def test_replace_rows_swaps_one_slice(tmp_path):
    store = DuckDBStore(tmp_path / "x.duckdb")
    a = pd.DataFrame({"model": ["a", "a"], "score": [1.0, 2.0]})
    b = pd.DataFrame({"model": ["b"], "score": [3.0]})
    store.replace_rows("scores", a, where={"model": "a"})
    store.replace_rows("scores", b, where={"model": "b"})
    store.replace_rows("scores", a.assign(score=[5.0, 6.0]), where={"model": "a"})
    result = store.query("SELECT model, score FROM scores ORDER BY score")
    assert list(result["score"]) == [3.0, 5.0, 6.0]


def _append(path: str, worker: int) -> None:
    store = DuckDBStore(path)
    for step in range(15):
        store.replace_rows(
            "log",
            pd.DataFrame({"worker": [worker], "step": [step]}),
            where={"worker": worker, "step": step},
        )


def test_concurrent_writer_processes_queue_instead_of_failing(tmp_path):
    path = str(tmp_path / "shared.duckdb")
    DuckDBStore(path).replace_table("log", pd.DataFrame({"worker": [-1], "step": [-1]}))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append, args=(path, w)) for w in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [process.exitcode for process in workers] == [0, 0, 0]
    assert DuckDBStore(path).query("SELECT count(*) AS n FROM log")["n"][0] == 1 + 3 * 15


def test_replace_rows_is_one_transaction(tmp_path, monkeypatch):
    """A failure between the delete and the insert leaves the old slice in place."""
    import pandas as pd
    import pytest

    from pop_pipeline.storage.duckdb_store import DuckDBStore

    store = DuckDBStore(tmp_path / "t.duckdb")
    store.replace_rows(
        "scores", pd.DataFrame({"model": ["a", "a", "b"], "v": [1, 2, 3]}), where={"model": "a"}
    )
    bad = pd.DataFrame({"model": ["a"], "v": ["not a number"]})  # the insert fails on the type
    with pytest.raises(Exception, match=r"(?i)conver|cast"):
        store.replace_rows("scores", bad, where={"model": "a"})
    kept = store.table("scores", order_by="v")
    assert kept["v"].tolist() == [1, 2, 3]
