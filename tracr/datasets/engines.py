"""Datasets: where the shards are computed — a local process pool, or Ray tasks.

This is the one place the engine is chosen. ``open_engine(name, workers, address)`` returns
an object whose ``results(shards)`` runs ``worker.run_shard`` on each shard number and yields
the ``ShardResult`` objects as they finish (in any order), keeping at most two shards per
worker in flight so memory stays flat however many shards there are; ``close()`` stops what
is still running. Ray is imported only when asked for (``pip install 'tracr[ray]'``).

Workers run numpy with one BLAS thread each: the forward passes are small, and BLAS threads
on top of one process per core only fight each other (measured 5x slower on a busy machine).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from tracr.datasets.worker import DatasetConfig, ShardResult, run_shard
from tracr.errors import DatasetError, MissingDependencyError

ENGINES = ("process", "ray")
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Engine(Protocol):
    def results(self, config: DatasetConfig, shards: Iterable[int]) -> Iterator[ShardResult]: ...

    def close(self) -> None: ...


def open_engine(name: str, workers: int, address: str | None = None) -> Engine:
    if workers < 1:
        raise DatasetError(f"--workers must be at least 1, got {workers}")
    if name == "process":
        if address is not None:
            raise DatasetError("--address names a Ray cluster; it needs --engine ray")
        return ProcessEngine(workers)
    if name == "ray":
        return RayEngine(workers, address)
    raise DatasetError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


class ProcessEngine:
    """A pool of fresh (spawned) processes, each with single-threaded BLAS."""

    def __init__(self, workers: int):
        self.workers = workers
        # Workers are spawned on demand and inherit the environment: keep it set until close.
        self.saved = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update(THREAD_ENV)
        context = multiprocessing.get_context("spawn")
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=context)

    def results(self, config: DatasetConfig, shards: Iterable[int]) -> Iterator[ShardResult]:
        pending: set[cf.Future[ShardResult]] = set()
        todo = iter(shards)
        while True:
            for shard in todo:
                pending.add(self.pool.submit(run_shard, config, shard))
                if len(pending) >= 2 * self.workers:
                    break
            if not pending:
                return
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class RayEngine:
    """Ray tasks, one per shard; starts a local Ray unless one is running or ``address`` is
    given (an existing cluster, e.g. ``ray://head:10001`` or ``auto``)."""

    def __init__(self, workers: int, address: str | None):
        try:
            import ray
        except ImportError:
            raise MissingDependencyError("ray", "ray") from None
        self.ray = ray
        self.workers = workers
        self.started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False,
                                       "runtime_env": {"env_vars": dict(THREAD_ENV)}}  # fmt: skip
            if address is None:
                options["num_cpus"] = workers
            ray.init(address=address, **options)
            self.started = True
        self.task = ray.remote(num_cpus=1)(run_shard)

    def results(self, config: DatasetConfig, shards: Iterable[int]) -> Iterator[ShardResult]:
        ray = self.ray
        config_ref = ray.put(config)
        pending: list[Any] = []
        todo = iter(shards)
        while True:
            for shard in todo:
                pending.append(self.task.remote(config_ref, shard))
                if len(pending) >= 2 * self.workers:
                    break
            if not pending:
                return
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
