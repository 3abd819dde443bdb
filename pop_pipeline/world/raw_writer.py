"""Writing the world's files: sha256 computed while writing, and time-sorted streams.

``FileLedger`` hands out writers that hash every byte as it goes (so the manifest never
re-reads a file) and records each file's digest and size. ``SortedRuns`` is an external merge
sort: each chunk of tweets writes its retweets (or replies) as one sorted run file, and the
runs are merged into the final file at the end, ids assigned in time order, so memory stays
flat however large the world is.
"""

from __future__ import annotations

import hashlib
import heapq
import shutil
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from pop_pipeline.world.raw_format import dumps


class HashingWriter:
    """A binary file writer that keeps the sha256 and size of what it wrote."""

    def __init__(self, path: Path, on_close: Callable[[str, int], None]) -> None:
        self._file = path.open("wb")
        self._digest = hashlib.sha256()
        self._size = 0
        self._on_close = on_close

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self._size += len(data)
        return self._file.write(data)

    def write_json_line(self, value: Any) -> None:
        self.write((dumps(value) + "\n").encode("utf-8"))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
            self._on_close(self._digest.hexdigest(), self._size)

    def __enter__(self) -> HashingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FileLedger:
    """Creates the world's files under ``root`` and remembers their sha256 and size."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: dict[str, dict[str, Any]] = {}

    def open(self, relative: str) -> HashingWriter:
        """A writer for ``root/relative`` (parent folders are created)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)

        def record(sha256: str, size: int) -> None:
            self.entries[relative] = {"sha256": sha256, "bytes": size}

        return HashingWriter(path, record)

    def record(self, relative: str, sha256: str, size: int) -> None:
        """Register a file written elsewhere (e.g. by a worker process)."""
        self.entries[relative] = {"sha256": sha256, "bytes": int(size)}

    def write_bytes(self, relative: str, data: bytes) -> None:
        with self.open(relative) as writer:
            writer.write(data)

    def write_json_lines(self, relative: str, values: Iterable[Any]) -> int:
        count = 0
        with self.open(relative) as writer:
            for value in values:
                writer.write_json_line(value)
                count += 1
        return count

    def write_npy(self, relative: str, array: np.ndarray) -> None:
        with self.open(relative) as writer:
            np.lib.format.write_array(writer, np.ascontiguousarray(array), allow_pickle=False)

    def sorted_entries(self) -> dict[str, dict[str, Any]]:
        return {key: self.entries[key] for key in sorted(self.entries)}


class NpyStreamWriter:
    """Writes an .npy file of known shape row block by row block (through the ledger)."""

    def __init__(self, ledger: FileLedger, relative: str, shape: tuple, dtype: np.dtype) -> None:
        self._dtype = np.dtype(dtype)
        self._expected = int(shape[0])
        self._written = 0
        self._writer = ledger.open(relative)
        header = {"descr": np.lib.format.dtype_to_descr(self._dtype), "fortran_order": False}
        header["shape"] = tuple(int(s) for s in shape)
        np.lib.format.write_array_header_1_0(self._writer, header)

    def append(self, rows: np.ndarray) -> None:
        block = np.ascontiguousarray(rows, dtype=self._dtype)
        self._written += block.shape[0]
        self._writer.write(block.tobytes())

    def close(self) -> None:
        if self._written != self._expected:
            raise RuntimeError(f"npy stream wrote {self._written} rows, expected {self._expected}")
        self._writer.close()


class SortedRuns:
    """External merge sort of text records keyed by a fixed-width sort key."""

    def __init__(self, work_dir: Path, name: str) -> None:
        self._dir = work_dir / name
        self._dir.mkdir(parents=True, exist_ok=True)
        self._runs: list[Path] = []

    def add_run(self, records: list[tuple[str, str]]) -> None:
        """Write one run of (sort key, body) records; keys must not contain a tab."""
        if not records:
            return
        path = self._dir / f"run_{len(self._runs):06d}.txt"
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            for key, body in sorted(records):
                handle.write(f"{key}\t{body}\n")
        self._runs.append(path)

    def merge_into(
        self, ledger: FileLedger, relative: str, make_line: Callable[[int, str], str]
    ) -> int:
        """Merge all runs into ``relative``; ``make_line(rank, body)`` formats each record."""
        count = 0
        with ExitStack() as stack, ledger.open(relative) as writer:
            handles = [
                stack.enter_context(path.open("r", encoding="utf-8", newline="\n"))
                for path in self._runs
            ]
            for line in heapq.merge(*handles):
                body = line.rstrip("\n").split("\t", 1)[1]
                writer.write((make_line(count, body) + "\n").encode("utf-8"))
                count += 1
        shutil.rmtree(self._dir, ignore_errors=True)
        return count
