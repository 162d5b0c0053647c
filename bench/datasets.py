"""``python -m bench.datasets [--count 1000]``: how fast ``tracr dataset generate`` runs.

Side by side in one run, each in a fresh process (so peak memory is its own): the process
pool with one worker and with two, local Ray with two, and the process pool at a quarter of
the count (memory must not grow with ``--count``: shards are streamed as compressed Parquet
and written through; what remains is a few times the largest model the driver re-encodes,
so ``largest_model_kb`` is reported beside ``driver_mb``). Programs: vocabulary
0..4, max_seq_len 8, 5-15 operations, 32 verification inputs each. ``per_min`` counts
verified programs written per minute of wall time, start-up included; ``per_cpu_min`` per
minute of CPU time spent by the driver and its workers, which is what idle cores deliver
(on a shared machine wall time mostly measures the other users). Prints a table, the ratios the
issue asks for and a projection for 1,000,000 programs on a 64-core cluster; writes
``bench/results/datasets.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import table, write_json


def _one(engine: str, workers: int, count: int, directory: str) -> dict:
    """Runs in the child process: one generation, its numbers as a dict."""
    from tracr import datasets

    if engine == "ray":
        import ray

        ray.init(num_cpus=workers, include_dashboard=False)
    summary = datasets.generate(directory, count, workers=workers, engine=engine)
    size = sum(p.stat().st_size for p in Path(directory).glob("shard-*.parquet"))
    me, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))  # fmt: skip
    driver_mb = me.ru_maxrss // 1024  # before reading the shards back below
    largest = max((len(row["weights"]) for row in datasets.rows(directory, ["weights"])),
                  default=0)  # fmt: skip
    driver_cpu = me.ru_utime + me.ru_stime
    worker_cpu = children.ru_utime + children.ru_stime  # pool workers; Ray's are not ours
    return {
        "engine": engine, "workers": workers, "count": count,
        "verified": summary.verified, "seconds": round(summary.seconds, 2),
        "per_min": round(60 * summary.verified / summary.seconds),
        "candidates": summary.candidates,
        "driver_cpu_s": round(driver_cpu, 1), "worker_cpu_s": round(worker_cpu, 1),
        # Verified programs per CPU-minute (driver + workers): what an idle core delivers.
        "per_cpu_min": round(60 * summary.verified / (driver_cpu + worker_cpu))
        if engine == "process" else "",
        "driver_mb": driver_mb,
        "worker_mb": children.ru_maxrss // 1024,
        "largest_model_kb": largest // 1024,
        "bytes_per_program": size // max(summary.rows, 1),
    }  # fmt: skip


def _measure(engine: str, workers: int, count: int) -> dict:
    directory = tempfile.mkdtemp(prefix="tracr-bench-datasets-")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.datasets", "--one", engine, str(workers), str(count),
             directory],
            capture_output=True, text=True, check=True, env=os.environ.copy(),
        )  # fmt: skip
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {engine} x{workers}: {row['per_min']} programs/min", file=sys.stderr, flush=True)
    return row


def _projection(one_worker: dict, two_workers: dict) -> str:
    # CPU time, not wall time: on a shared machine the wall-clock rate measures the load.
    per_core = one_worker["per_cpu_min"] / 60  # programs/s on one idle core
    # What parallel work costs in CPU (the driver's share grows with the workers).
    efficiency = min(two_workers["per_cpu_min"] / one_worker["per_cpu_min"], 1.0)
    seconds = 1_000_000 / (64 * per_core * efficiency)
    gigabytes = 1_000_000 * two_workers["bytes_per_program"] / 1e9
    return (
        f"1,000,000 programs on 64 cores at {per_core:.1f} programs/s per core and "
        f"{efficiency:.0%} CPU efficiency at two workers: {seconds / 60:.0f} min wall, "
        f"{1_000_000 / per_core / 3600:.1f} core-hours, {gigabytes:.1f} GB of Parquet"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray row")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        engine, workers, count, directory = args.one
        print(json.dumps(_one(engine, int(workers), int(count), directory)))
        return
    n = args.count
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    rows = [_measure("process", 1, n), _measure("process", 2, n)]
    if not args.no_ray:
        rows.append(_measure("ray", 2, n))
    rows.append(_measure("process", 2, max(n // 4, 1)))
    load = os.getloadavg()
    print(table(rows, list(rows[0])))
    one, two = rows[0], rows[1]
    ratios = {"two_over_one_worker": round(two["per_min"] / one["per_min"], 2),
              "driver_mb_quarter_vs_full": (rows[-1]["driver_mb"], two["driver_mb"])}  # fmt: skip
    if not args.no_ray:
        ratios["ray_over_pool"] = round(rows[2]["per_min"] / two["per_min"], 2)
    print(json.dumps(ratios))
    projection = _projection(one, two)
    print(projection)
    print(f"load average after: {load} on {os.cpu_count()} CPUs")
    path = write_json("datasets", rows, {"ratios": ratios, "projection": projection,
                                         "load_average_after": load})  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
