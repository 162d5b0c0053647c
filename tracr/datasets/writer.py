"""Datasets: the directory a dataset lives in, written shard by shard (needs pyarrow).

    DIR/dataset.json                 the config that decides the content, and the format
    DIR/shard-00000.parquet          the programs of candidate shard 0 (one row each)
    DIR/shard-00000.failures.json    the candidates of shard 0 that were dropped, and why
    DIR/summary.json                 counts of the last run

Each file is written to a temporary name and renamed into place, the failures first, so a
shard's Parquet file exists only when the shard is complete on disk; a restarted run reads the
shards already written (and the hashes in them, for deduplication) and goes on from the first
missing one. The last shard of a run may be cut short to hit ``count`` exactly; its Parquet
metadata says so, and a later run asking for more programs computes that shard again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from tracr.datasets.parquet import pyarrow_modules, write_atomic, write_selected
from tracr.datasets.worker import DatasetConfig
from tracr.errors import DatasetError

FORMAT = "tracr.dataset"
FORMAT_VERSION = 1
MANIFEST = "dataset.json"
SUMMARY = "summary.json"


def shard_path(directory: Path, shard: int) -> Path:
    return directory / f"shard-{shard:05d}.parquet"


class ShardWriter:
    """Opens (or starts) a dataset directory for ``config``; writes shards in order."""

    def __init__(self, directory: str | os.PathLike[str], config: DatasetConfig):
        self.directory = Path(directory)
        self.config = config
        self.directory.mkdir(parents=True, exist_ok=True)
        manifest = self.directory / MANIFEST
        wanted = {"format": FORMAT, "format_version": FORMAT_VERSION, **config.to_dict()}
        if manifest.exists():
            found = json.loads(manifest.read_text())
            if found != json.loads(json.dumps(wanted)):
                keys = sorted(wanted.keys() | found.keys())
                differ = [k for k in keys if json.dumps(wanted.get(k)) != json.dumps(found.get(k))]
                raise DatasetError(
                    f"{self.directory} holds a dataset made with other settings "
                    f"({', '.join(differ)} differ); resume with the same settings or write to "
                    "a new directory"
                )
        else:
            write_atomic(manifest, json.dumps(wanted, indent=1).encode())

    def finished(self) -> list[tuple[int, int, bool]]:
        """(shard, rows, complete) for the shards 0, 1, ... already on disk, in order."""
        _, pq = pyarrow_modules()
        done = []
        for shard in range(len(list(self.directory.glob("shard-*.parquet")))):
            path = shard_path(self.directory, shard)
            if not path.exists():
                break
            meta = pq.read_metadata(path)
            complete = (meta.metadata or {}).get(b"tracr.complete") == b"true"
            done.append((shard, meta.num_rows, complete))
        return done

    def hashes(self, shards: int) -> Iterator[str]:
        _, pq = pyarrow_modules()
        for shard in range(shards):
            yield from pq.read_table(shard_path(self.directory, shard), columns=["hash"])[
                "hash"
            ].to_pylist()

    def failures(self, shard: int) -> list[dict[str, Any]]:
        path = self.directory / f"shard-{shard:05d}.failures.json"
        return json.loads(path.read_text()) if path.exists() else []

    def discard(self, shard: int) -> None:
        shard_path(self.directory, shard).unlink(missing_ok=True)

    def write(
        self, shard: int, data: bytes, failures: list[dict[str, Any]],
        keep: Collection[int] | None = None, complete: bool = True,
    ) -> None:  # fmt: skip
        """Shard ``shard``: its failure records, then its Parquet file: ``data`` (a complete
        shard's bytes from ``ShardEncoder``) as it is, or, copied a row group at a time, only
        the rows whose candidate index is in ``keep`` (all if None), flagged ``complete``."""
        failures_path = self.directory / f"shard-{shard:05d}.failures.json"
        write_atomic(failures_path, json.dumps(failures, indent=0).encode())
        path = shard_path(self.directory, shard)
        if keep is None and complete:
            write_atomic(path, data)
        else:
            write_selected(path, data, shard, keep, complete)

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_atomic(self.directory / SUMMARY, json.dumps(summary, indent=1).encode())
