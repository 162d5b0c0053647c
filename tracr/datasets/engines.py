"""Datasets: where the shards are computed — a local process pool, or Ray tasks.

This is the one place the engine is chosen. ``open_engine(name, workers, address)`` returns
an object whose ``results(config, first)`` runs ``worker.run_shard`` on shards ``first``,
``first + 1``, ... and yields their ``ShardResult`` objects in shard order, computing at most
two shards per worker ahead, so memory stays flat however many shards there are; the caller
stops by no longer asking; ``close()`` stops what is still running. Ray is imported only
when asked for (``pip install 'tracr[ray]'``).

Workers run numpy with one BLAS thread each: the forward passes are small, and BLAS threads
on top of one process per core only fight each other (measured 5x slower on a busy machine).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from tracr.datasets.worker import DatasetConfig, ShardResult, run_shard
from tracr.errors import DatasetError, MissingDependencyError

ENGINES = ("process", "ray")
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class Engine(Protocol):
    def results(self, config: DatasetConfig, first: int) -> Iterator[ShardResult]: ...

    def close(self) -> None: ...


class _Windowed:
    """Yields shards ``first, first + 1, ...`` in order, computing at most ``2 * workers``
    ahead of the one the caller is waiting for (in flight or finished early, together), so
    memory stays flat however long the run. Subclasses submit and wait."""

    workers: int

    def results(self, config: DatasetConfig, first: int) -> Iterator[ShardResult]:
        handles: dict[Any, int] = {}
        finished: dict[int, ShardResult] = {}
        submitted = following = first
        while True:
            while submitted < following + 2 * self.workers:
                handles[self._submit(config, submitted)] = submitted
                submitted += 1
            for handle, result in self._wait(list(handles)):
                finished[handles.pop(handle)] = result
            while following in finished:
                yield finished.pop(following)
                following += 1

    def _submit(self, config: DatasetConfig, shard: int) -> Any:
        raise NotImplementedError

    def _wait(self, handles: list[Any]) -> list[tuple[Any, ShardResult]]:
        raise NotImplementedError


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


class ProcessEngine(_Windowed):
    """A pool of fresh (spawned) processes, each with single-threaded BLAS."""

    def __init__(self, workers: int):
        self.workers = workers
        # Workers are spawned on demand and inherit the environment: keep it set until close.
        self.saved = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update(THREAD_ENV)
        context = multiprocessing.get_context("spawn")
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=context)

    def _submit(self, config: DatasetConfig, shard: int) -> Any:
        return self.pool.submit(run_shard, config, shard)

    def _wait(self, handles: list[Any]) -> list[tuple[Any, ShardResult]]:
        done, _ = cf.wait(handles, return_when=cf.FIRST_COMPLETED)
        try:
            return [(future, future.result()) for future in done]
        except BrokenProcessPool:
            raise DatasetError(
                "a worker process died. If generate() is called from a script, put the call "
                "under `if __name__ == \"__main__\":` (workers are spawned and import the "
                "script); otherwise a worker ran out of memory: use fewer --workers or "
                "smaller programs. Finished shards are kept: run again to resume"
            ) from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class RayEngine(_Windowed):
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
        self.config_ref: tuple[DatasetConfig, Any] | None = None

    def _submit(self, config: DatasetConfig, shard: int) -> Any:
        if self.config_ref is None or self.config_ref[0] is not config:
            self.config_ref = (config, self.ray.put(config))
        return self.task.remote(self.config_ref[1], shard)

    def _wait(self, handles: list[Any]) -> list[tuple[Any, ShardResult]]:
        done, _ = self.ray.wait(handles, num_returns=1)
        return [(ref, self.ray.get(ref)) for ref in done]

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
