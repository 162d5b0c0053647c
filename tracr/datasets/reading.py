"""Datasets: read a dataset directory back, one row at a time (needs pyarrow).

``rows(DIR)`` streams the rows as dicts, shard by shard, a batch of rows at a time, so
reading a large dataset takes little memory; ``load(DIR)`` yields ``(program, model)``
pairs: the program read back from its source text with ``tracr.frontend.load_program`` and
the compiled model from its safetensors bytes. The shards are plain Parquet files:
``datasets.load_dataset("parquet", data_files=f"{DIR}/shard-*.parquet")`` or pandas read
them too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracr.datasets.parquet import pyarrow_modules as _pyarrow
from tracr.datasets.writer import MANIFEST, shard_path
from tracr.errors import DatasetError
from tracr.export import safetensors
from tracr.frontend import load_program
from tracr.model import CompiledModel
from tracr.rasp import rasp


def shard_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The Parquet shards of a dataset, in order."""
    directory = Path(directory)
    if not (directory / MANIFEST).exists():
        raise DatasetError(f"{directory} is not a tracr dataset (no {MANIFEST} in it)")
    files = []
    while (path := shard_path(directory, len(files))).exists():
        files.append(path)
    return files


def rows(
    directory: str | os.PathLike[str], columns: list[str] | None = None, batch_size: int = 64
) -> Iterator[dict[str, Any]]:
    """Every row of the dataset as a dict (only ``columns``, if given)."""
    _, pq = _pyarrow()
    for path in shard_files(directory):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=columns):
            yield from batch.to_pylist()


def load(directory: str | os.PathLike[str]) -> Iterator[tuple[rasp.SOp, CompiledModel]]:
    """``(program, model)`` for every row of the dataset, in order."""
    for row in rows(directory, columns=["id", "source", "weights"]):
        program = load_program(row["source"], filename=f"<{row['id']}>")
        yield program, safetensors.from_bytes(row["weights"])
