"""The engines hand shards over in order and never run far ahead (flat memory)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap

from tracr.datasets.engines import _Windowed
from tracr.datasets.worker import DatasetConfig, ShardResult


class _Backwards(_Windowed):
    """Finishes the newest submitted shard first: the worst order for the caller."""

    def __init__(self, workers: int):
        self.workers = workers
        self.most_held = 0
        self.held: set[int] = set()

    def _submit(self, config, shard):
        self.held.add(shard)
        self.most_held = max(self.most_held, len(self.held))
        return shard

    def _wait(self, handles):
        newest = max(handles)
        return [(newest, ShardResult(newest, b"", [], []))]

    def taken(self, shard: int) -> None:
        self.held.discard(shard)


def test_shards_come_in_order_and_at_most_two_per_worker_ahead():
    engine = _Backwards(workers=3)
    shards = []
    for result in itertools.islice(engine.results(DatasetConfig(), 5), 40):
        engine.taken(result.shard)
        shards.append(result.shard)
    assert shards == list(range(5, 45))
    assert engine.most_held <= 2 * 3


def test_a_script_without_the_main_guard_gets_a_clear_error(tmp_path):
    # Spawned workers import the script, which calls generate() again while bootstrapping:
    # the pool breaks, and the user is told why (not a BrokenProcessPool traceback).
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        from tracr import datasets
        datasets.generate({str(tmp_path / "out")!r}, 3, workers=1)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tracr.errors.DatasetError: a worker process died")
    assert 'if __name__ == "__main__":' in last
