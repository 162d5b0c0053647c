"""``python -m bench``: compile every library program at a few sizes and measure it.

For each program and (vocab size, max_seq_len): compile time in a fresh process and warm (best
of 3), layers, heads, d_model, MLP width, parameter count, numpy forward time for a batch of 64
inputs, and the fraction of 200 random inputs decoded exactly (compared with the evaluator).

By default the quick sizes (5, 5) and (5, 10) (about a minute on 2 cores); ``--full`` adds
(10, 32) and (16, 64). Before building a row its size is estimated from the program's value
sets (``bench/estimate.py``); a row above ``--memory-budget`` GiB (default 2) is skipped with a
note. Each row is written to the JSON as soon as it is measured, so an interrupted run keeps
what it finished. Options: ``--sizes 5x5,16x64``, ``--programs reverse,sort`` (``paper`` = the
RASP paper's composite-selector programs), ``--no-fresh`` (skip the fresh-process timing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np

from bench.common import best_of, table, write_json
from bench.estimate import estimate
from tracr.compiler import compiling, lib_catalog, verifying

QUICK_SIZES = [(5, 5), (5, 10)]
FULL_SIZES = [(5, 5), (5, 10), (10, 32), (16, 64)]
CHECKED = 200  # random inputs compared with the evaluator per row
MEMORY_BUDGET_GIB = 2.0
# Layers the reference needed at vocab 5, max_seq_len 5 (SPEC section 6).
REFERENCE_LAYERS = {
    "length": 1, "reverse": 4, "hist": 1, "sort_unique": 2, "sort": 3, "sort_freq": 5,
    "frac_prevs": 2, "pair_balance": 2, "shuffle_dyck2": 8, "shift_by": 1,
    "detect_pattern": 3, "count_less_freq": 2,
}
FRESH = """
import sys, time
from tracr.compiler import compiling, lib_catalog
case = lib_catalog.build(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
start = time.perf_counter()
compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len)
print(time.perf_counter() - start)
"""


def fresh_compile_time(name: str, v: int, n: int) -> float:
    out = subprocess.run([sys.executable, "-c", FRESH, name, str(v), str(n)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def forward_time(model, case) -> float:
    rng = np.random.default_rng(0)
    vocab = sorted(case.vocab, key=repr)
    bos = model.input_encoder.bos_token
    n = case.max_len_in_domain()
    batch = [[bos] + [vocab[i] for i in rng.integers(0, len(vocab), n)] for _ in range(64)]
    start = time.perf_counter()
    model.apply_batch(batch)
    first = time.perf_counter() - start
    # Huge models (sort_freq at 16x64) take minutes per call: one timing is enough there.
    return first if first > 5 else min(first, best_of(lambda: model.apply_batch(batch), 2))


def measure(name: str, v: int, n: int, fresh: bool) -> dict:
    case = lib_catalog.build(name, v, n)
    compile_fn = lambda: compiling.compile_rasp_to_model(case.program, case.vocab, n)  # noqa: E731
    start = time.perf_counter()
    model = compile_fn()
    first = time.perf_counter() - start
    # Best of 3 warm compiles; one when a compile takes seconds (shuffle_dyck at 16x64: ~50 s).
    warm = best_of(compile_fn, repeat=3 if first < 1 else 1)
    cfg = model.model_config
    report = verifying.compare(model, case.program, case.random_inputs(CHECKED, seed=1))
    return {
        "program": name, "vocab": v, "max_seq_len": n,
        "compile_fresh_s": round(fresh_compile_time(name, v, n), 4) if fresh else None,
        "compile_first_s": round(first, 4),
        "compile_warm_s": round(warm, 4),
        "layers": cfg.num_layers, "ref_layers": REFERENCE_LAYERS.get(name, ""),
        "heads": cfg.num_heads, "d_model": cfg.d_model, "mlp_width": cfg.mlp_hidden_size,
        "params": int(sum(a.size for p in model.params.values() for a in p.values())),
        "fwd64_s": round(forward_time(model, case), 4),
        "exact": f"{report.exact}/{report.checked}",
        "exact_frac": report.exact / max(report.checked, 1),
    }


def skipped_row(name: str, v: int, n: int, budget: float) -> dict | None:
    """A row that notes why it was skipped, when its estimated size is above ``budget`` GiB."""
    case = lib_catalog.build(name, v, n)
    est = estimate(case.program, case.vocab, n, batch=CHECKED)
    if est.gib <= budget:
        return None
    note = (f"skipped: estimated {est.gib:.1f} GiB (d_model ~{est.d_model}, MLP units "
            f"~{est.mlp_hidden}, {est.layers} layers) > budget {budget:g} GiB")
    return {"program": name, "vocab": v, "max_seq_len": n, "skipped": note}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", help="VxN,... (default: the quick sizes, or all with --full)")
    parser.add_argument("--full", action="store_true", help="also the large sizes 10x32, 16x64")
    parser.add_argument("--programs", default=",".join(lib_catalog.NAMES))
    parser.add_argument("--memory-budget", type=float, default=MEMORY_BUDGET_GIB, metavar="GIB",
                        help="skip rows estimated above this many GiB (default %(default)s)")
    parser.add_argument("--no-fresh", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sizes:
        sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    else:
        sizes = FULL_SIZES if args.full else QUICK_SIZES
    names = args.programs.replace("paper", ",".join(lib_catalog.PAPER_NAMES)).split(",")
    name = "compile" if names == list(lib_catalog.NAMES) else "compile_" + "_".join(names)[:60]
    meta = {"sizes": sizes, "programs": names, "memory_budget_gib": args.memory_budget}
    rows = []
    for v, n in sizes:
        for prog in names:
            row = skipped_row(prog, v, n, args.memory_budget)
            row = row or measure(prog, v, n, fresh=not args.no_fresh)
            rows.append(row)
            path = write_json(name, rows, meta)  # after every row: an interrupted run keeps it
            if "skipped" in row:
                print(f"{prog} {v}x{n}: {row['skipped']}", flush=True)
            else:
                print(f"{prog} {v}x{n}: {row['layers']} layers, d_model {row['d_model']}, "
                      f"warm {row['compile_warm_s']} s, exact {row['exact']}", flush=True)
    measured = [r for r in rows if "skipped" not in r]
    if measured:
        print(table(measured, [c for c in measured[0] if c != "exact_frac"]))
    bad = [r for r in measured if r["exact_frac"] < 1.0]
    print(f"\nwrote {path}; rows not 100% exact: {len(bad)}; "
          f"skipped (memory budget): {len(rows) - len(measured)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
