"""``python -m bench.compress``: the paper's two compression case studies, timed.

``sort_unique`` (vocab {1..5}, max_seq_len 5, inputs with distinct tokens: its domain) and
``frac_prevs`` (vocab {a, b, c, x}, max_seq_len 5, the fraction of x so far), each compressed
to half of d_model (rounded down) with ``tracr.compress.compress`` and seed 0, at its
defaults for sort_unique and with ``init="random", batch_size=256, steps=2000`` for
frac_prevs.
The target: at least 99% of held-out positions exact, in under two minutes on 2 cores. The
table shows d_model, embedding_size, held-out accuracy, optimiser steps, wall time, the CPU
time of the process (training uses one thread, so on an idle machine the wall time is about
the CPU time) and the load average while it ran (other work on the machine slows the wall
time down). Options: ``--seeds``,
``--sizes`` (embedding sizes instead of half of d_model), ``--programs``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from bench.common import table, write_json
from tracr.compiler import compiling, lib
from tracr.model import CompiledModel
from tracr.rasp import rasp


def sort_unique() -> tuple[CompiledModel, Callable | None, dict]:
    program = lib.make_sort_unique(rasp.tokens, rasp.tokens)
    model = compiling.compile_rasp_to_model(program, {1, 2, 3, 4, 5}, 5, compiler_bos="BOS")
    return model, lambda tokens: len(set(tokens)) == len(tokens), {}


def frac_prevs() -> tuple[CompiledModel, Callable | None, dict]:
    program = lib.make_frac_prevs(rasp.tokens == "x")
    model = compiling.compile_rasp_to_model(program, {"a", "b", "c", "x"}, 5, compiler_bos="BOS")
    # measured: random initial directions and smaller batches suit this numerical output
    return model, None, {"init": "random", "batch_size": 256, "steps": 2000}


CASES = {"sort_unique": sort_unique, "frac_prevs": frac_prevs}


def measure(name: str, size: int | None, seed: int) -> dict:
    from tracr.compress import compress

    model, domain, options = CASES[name]()
    d = model.model_config.d_model
    k = size or d // 2
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    result = compress(model, k, seed=seed, domain=domain, **options)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {
        "program": name, "d_model": d, "embedding_size": k, "seed": seed,
        "accuracy %": round(100 * result.accuracy, 2), "steps": len(result.history),
        "seconds": round(seconds, 1), "cpu seconds": round(cpu, 1),
        "load": round((load_before + os.getloadavg()[0]) / 2, 1),
        "target met": result.accuracy >= 0.99 and seconds < 120 and k <= d / 2,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compress", description=__doc__)
    parser.add_argument("--programs", default=",".join(CASES))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--sizes", default="", help="embedding sizes (default d_model // 2)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s] or [None]
    rows = []
    for name in args.programs.split(","):
        for size in sizes:
            for seed in (int(s) for s in args.seeds.split(",")):
                row = measure(name, size, seed)
                rows.append(row)
                done = f"{row['accuracy %']}% in {row['seconds']} s"
                print(f"  {name} k={row['embedding_size']} seed {seed}: {done}", file=sys.stderr)
    columns = ["program", "d_model", "embedding_size", "seed", "accuracy %", "steps", "seconds",
               "cpu seconds", "load", "target met"]  # fmt: skip
    print(table(rows, columns))
    print(f"wrote {write_json('compress', rows, {'cpus': os.cpu_count()})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
