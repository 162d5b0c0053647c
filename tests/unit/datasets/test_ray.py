"""Ray tasks on a real local Ray instance give the same dataset as the process pool."""

from __future__ import annotations

import pytest

from tracr import datasets
from tracr.datasets import DatasetConfig, SamplerConfig

CONFIG = DatasetConfig(SamplerConfig(max_seq_len=4, min_ops=3, max_ops=6), seed=5,
                       verify_inputs=8, shard_size=6)  # fmt: skip
COLUMNS = ["id", "hash", "source", "layout", "verified", "weights"]


# Ray starts its processes with a fork; JAX, when an earlier test imported it, warns about
# forks from every thread-holding process (nothing of JAX runs in Ray's processes).
@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
def test_ray_equals_the_process_pool(tmp_path):
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    try:
        by_ray = datasets.generate(tmp_path / "ray", 10, CONFIG, workers=2, engine="ray")
    finally:
        ray.shutdown()
    by_pool = datasets.generate(tmp_path / "pool", 10, CONFIG, workers=2)
    assert by_ray.rows == by_pool.rows == 10
    assert by_ray.failures == by_pool.failures
    ray_rows = [[r[c] for c in COLUMNS] for r in datasets.rows(tmp_path / "ray")]
    pool_rows = [[r[c] for c in COLUMNS] for r in datasets.rows(tmp_path / "pool")]
    assert ray_rows == pool_rows
