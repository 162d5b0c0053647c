"""Datasets: a shard as Parquet bytes, written and filtered a row group at a time (pyarrow).

A worker encodes its shard's rows as they are built (``ShardEncoder``): rows are flushed as a
row group once their weights pass ``ROW_GROUP_BYTES``, so neither the worker nor anything
downstream holds a shard's rows as Python objects, and what travels to the driver is the
compressed file (weights of compiled models compress 50-200x: mostly zeros). The driver writes
those bytes to disk as they are, or, when it must drop rows (a duplicate, or the last shard
cut to ``count``), copies the kept rows one row group at a time (``write_selected``). Memory
therefore stays bounded by one row group, whatever the count or the size of the models.
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from tracr.errors import MissingDependencyError

COLUMNS = (
    ("id", "string"), ("index", "int64"), ("hash", "string"), ("source", "string"),
    ("vocab", "string"), ("max_seq_len", "int64"), ("n_ops", "int64"), ("depth", "int64"),
    ("n_layers", "int64"), ("n_heads", "int64"), ("d_model", "int64"), ("d_head", "int64"),
    ("d_mlp", "int64"), ("layout", "string"), ("verified", "bool_"), ("checked", "int64"),
    ("mismatches", "int64"), ("verification", "string"), ("weights", "binary"),
)  # fmt: skip
ROW_GROUP_BYTES = 4 << 20  # uncompressed weights per row group
# Dictionary encoding only where values repeat; on the large, unique columns it would build
# (and drop) a dictionary of every value.
DICTIONARY = [name for name, _ in COLUMNS if name not in ("source", "layout", "weights")]
OPTIONS = {"compression": "zstd", "use_dictionary": DICTIONARY}


def pyarrow_modules() -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingDependencyError("pyarrow", "datasets") from None
    return pyarrow, pyarrow.parquet


def schema(shard: int, complete: bool) -> Any:
    """The shard files' schema; its metadata names the shard and whether it holds every
    accepted candidate (a shard cut short to hit ``count`` does not)."""
    pa, _ = pyarrow_modules()
    fields = pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS])
    flag = "true" if complete else "false"
    return fields.with_metadata({"tracr.shard": str(shard), "tracr.complete": flag})


class ShardEncoder:
    """Rows in, one complete shard's Parquet bytes out (``finish``)."""

    def __init__(self, shard: int):
        pa, pq = pyarrow_modules()
        self._pa = pa
        self._schema = schema(shard, complete=True)
        self._sink = io.BytesIO()
        self._writer = pq.ParquetWriter(self._sink, self._schema, **OPTIONS)
        self._pending: list[dict[str, Any]] = []
        self._pending_bytes = 0

    def add(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        self._pending_bytes += len(row["weights"])
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(self._pa.Table.from_pylist(self._pending, self._schema))
        self._pending, self._pending_bytes = [], 0

    def finish(self) -> bytes:
        self._flush()
        self._writer.close()
        return self._sink.getvalue()


def row_groups(data: bytes) -> Iterator[Any]:
    """The row groups of encoded shard bytes, as Arrow tables, one at a time."""
    _, pq = pyarrow_modules()
    file = pq.ParquetFile(io.BytesIO(data))
    for group in range(file.num_row_groups):
        yield file.read_row_group(group, use_threads=False)


def decode_rows(data: bytes) -> list[dict[str, Any]]:
    """Every row of encoded shard bytes as a dict (for tests and inspection)."""
    return [row for table in row_groups(data) for row in table.to_pylist()]


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_selected(
    path: Path, data: bytes, shard: int, keep: Collection[int] | None, complete: bool
) -> None:
    """Writes to ``path`` the rows of ``data`` whose candidate ``index`` is in ``keep`` (all
    if None), a row group at a time, with the ``complete`` flag; atomically."""
    pa, pq = pyarrow_modules()
    tmp = path.with_name(f".{path.name}.tmp")
    with pq.ParquetWriter(tmp, schema(shard, complete), **OPTIONS) as out:
        for table in row_groups(data):
            if keep is not None:
                table = _rows_in(pa, table, keep)
            if table.num_rows:
                out.write_table(table)
    os.replace(tmp, path)


def _rows_in(pa: Any, table: Any, keep: Collection[int]) -> Any:
    """The rows of ``table`` whose ``index`` is in ``keep``, as slices of it (no copy, and
    without ``pyarrow.compute``, whose kernels cost the driver some 40 MB to load)."""
    flags = [index in keep for index in table["index"].to_pylist()]
    slices, start = [], None
    for at, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = at
        elif not flag and start is not None:
            slices.append(table.slice(start, at - start))
            start = None
    return pa.concat_tables(slices) if slices else table.slice(0, 0)
