"""Datasets: sample, compile, verify and write ``count`` programs (the batch driver).

The dataset is defined by its config alone: candidate ``i`` is drawn from ``(seed, i)``;
candidates are grouped in shards of ``shard_size``; a shard's rows are its accepted candidates
(compiled, not trivial) minus those whose canonical hash appeared earlier in candidate order;
the dataset is the first ``count`` rows. The engine hands shards over in order, at most two
per worker ahead, each as compressed Parquet bytes plus (index, id, hash, verified) per row;
the driver writes them through, so memory does not grow with ``count`` or with the size of
the models (only the set of hashes does, 8 bytes a program: ``canonical.DigestSet``).
"""

from __future__ import annotations

import collections
import dataclasses
import os
import time
from collections.abc import Callable
from typing import Any

from tracr.datasets.canonical import DigestSet, short_digest
from tracr.datasets.engines import open_engine
from tracr.datasets.worker import DatasetConfig, ShardResult
from tracr.datasets.writer import ShardWriter
from tracr.errors import DatasetError


@dataclasses.dataclass
class Summary:
    """What a run did: rows written (this run and in total), failures by reason, speed."""

    count: int
    rows: int = 0  # rows in the dataset after this run
    new_rows: int = 0  # rows written by this run
    verified: int = 0  # of the new rows, those whose model matched the evaluator everywhere
    candidates: int = 0  # candidates this run looked at
    failures: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    resumed_shards: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """New rows per second."""
        return self.new_rows / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["failures"] = dict(self.failures.most_common())
        d["programs_per_second"] = round(self.rate, 2)
        return d

    def text(self) -> str:
        lines = [
            f"{self.rows}/{self.count} programs in the dataset ({self.new_rows} new, "
            f"{self.verified} of them verified exact; {self.resumed_shards} shards resumed)",
            f"{self.candidates} candidates in {self.seconds:.1f}s: {self.rate:.1f} programs/s "
            f"({60 * self.rate:.0f}/min)",
        ]
        lines += [f"  dropped {n:6d}  {reason}" for reason, n in self.failures.most_common()]
        return "\n".join(lines)


def generate(
    directory: str | os.PathLike[str],
    count: int,
    config: DatasetConfig | None = None,
    *,
    workers: int = 1,
    engine: str = "process",
    address: str | None = None,
    on_progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Write (or complete) a dataset of ``count`` programs in ``directory``.

    ``config`` (default ``DatasetConfig()``) decides the content; ``workers``, ``engine``
    ("process" or "ray") and ``address`` (a Ray cluster) decide only the speed.
    ``on_progress`` is called with the running summary after every shard.
    """
    config = DatasetConfig() if config is None else config
    if count < 1:
        raise DatasetError(f"--count must be at least 1, got {count}")
    writer = ShardWriter(directory, config)
    summary = Summary(count)
    start = time.monotonic()
    finished = writer.finished()
    if finished and not finished[-1][2]:  # cut short by an earlier, smaller count
        if sum(n for _, n, _ in finished) < count:
            writer.discard(finished[-1][0])
            finished.pop()
    summary.resumed_shards = len(finished)
    summary.rows = sum(n for _, n, _ in finished)
    if summary.rows < count:
        seen = DigestSet()
        for digest in writer.hashes(len(finished)):
            seen.add(short_digest(digest))
        runner = open_engine(engine, workers, address)
        try:
            for result in runner.results(config, len(finished)):
                _commit(writer, result, seen, summary)
                summary.seconds = time.monotonic() - start
                if on_progress is not None:
                    on_progress(summary)
                if summary.rows >= count:
                    break
        finally:
            runner.close()
    summary.seconds = time.monotonic() - start
    writer.write_summary(summary.to_dict())
    return summary


def _commit(writer: ShardWriter, result: ShardResult, seen: DigestSet, summary: Summary) -> None:
    kept, failures = [], list(result.failures)
    for entry in result.entries:
        key = short_digest(entry["hash"])
        if key in seen:
            reason = "duplicate of an earlier program"
            failures.append({"index": entry["index"], "stage": "deduplicate", "reason": reason,
                             "detail": entry["id"]})  # fmt: skip
            continue
        seen.add(key)
        kept.append(entry)
    room = summary.count - summary.rows
    complete = len(kept) <= room
    kept = kept[:room]
    keep = None if len(kept) == len(result.entries) else {e["index"] for e in kept}
    writer.write(result.shard, result.data, failures, keep, complete)
    summary.candidates += len(result.entries) + len(result.failures)
    summary.rows += len(kept)
    summary.new_rows += len(kept)
    summary.verified += sum(entry["verified"] for entry in kept)
    summary.failures.update(f["reason"] for f in failures)
