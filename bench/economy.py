"""``python -m bench.economy``: the economical layout against the reference layout.

Three parts, each printed as a table and written to ``bench/results/economy_*.json``:

* ``--rows issue`` (default): the rows of issue 14 (reverse 16x64 .. 16x1024, sort 16x64,
  sort_freq 16x32, paper dyck2 16), both layouts side by side: layers, d_model, MLP hidden,
  params, compile time, numpy forward time for a batch of 64 and exactness on random inputs.
  The reference layout is skipped where it cannot be built (reverse beyond 128: n^3 units).
* ``--library``: layers and params of every library and paper program at (5,5), (10,32),
  (16,64) in both layouts, the geometric mean of the params ratio, and every regression.
* ``--fuzz N``: the same comparison on the first N fuzzer programs (seed 0), regressions only.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time

import numpy as np

from bench.common import table, write_json
from tracr.compiler import compiling, lib_catalog, verifying
from tracr.errors import TracrError

ISSUE_ROWS = [("reverse", 16, 64), ("reverse", 16, 128), ("reverse", 16, 256),
              ("reverse", 16, 1024), ("sort", 16, 64), ("sort_freq", 16, 32), ("dyck2", 16, 16)]
REFERENCE_LIMIT = {"reverse": 128}  # larger reference models take minutes and gigabytes
LIBRARY_SIZES = [(5, 5), (10, 32), (16, 64)]
PAPER_SIZES = [(5, 5), (10, 10)]
# The reference model here is several GB (issue 14: "runs out of time and memory").
TOO_BIG_FOR_REFERENCE = {("sort_freq", 16, 64)}


def _params(model) -> int:
    return int(sum(a.size for p in model.params.values() for a in p.values()))


def _forward_s(model, case) -> float:
    rng = np.random.default_rng(0)
    vocab = sorted(case.vocab, key=repr)
    n = case.max_len_in_domain()
    batch = [[model.input_encoder.bos_token] + [vocab[i] for i in rng.integers(0, len(vocab), n)]
             for _ in range(64)]
    start = time.perf_counter()
    model.apply_batch(batch)
    return time.perf_counter() - start


def measure(name: str, v: int, n: int, layout: str, checks: int) -> dict:
    case = lib_catalog.build(name, v, n)
    start = time.perf_counter()
    model = compiling.compile_rasp_to_model(case.program, case.vocab, n, layout=layout)
    compile_s = time.perf_counter() - start
    cfg = model.model_config
    report = verifying.compare(model, case.program, case.random_inputs(checks, seed=1))
    return {"program": name, "vocab": v, "max_seq_len": n, "layout": layout,
            "layers": cfg.num_layers, "d_model": cfg.d_model, "mlp_hidden": cfg.mlp_hidden_size,
            "params": _params(model), "compile_s": round(compile_s, 3),
            "fwd64_s": round(_forward_s(model, case), 4),
            "exact": f"{report.exact}/{report.checked}"}


def issue_rows(checks: int) -> list[dict]:
    rows = []
    for name, v, n in ISSUE_ROWS:
        for layout in ("reference", "economical"):
            if layout == "reference" and n > REFERENCE_LIMIT.get(name, n):
                continue
            rows.append(measure(name, v, n, layout, checks if n <= 256 else max(checks // 10, 4)))
            print(f"{name} {v}x{n} {layout}: {rows[-1]['params']} params", file=sys.stderr,
                  flush=True)
    return rows


def _shape(program, vocab, n, layout) -> tuple[int, int] | None:
    try:
        model = compiling.compile_rasp_to_model(program, vocab, n, layout=layout)
    except TracrError:
        return None
    return model.model_config.num_layers, _params(model)


def compare(cases) -> tuple[list[dict], list[dict]]:
    """(rows, regressions) over (name, program, vocab, max_seq_len) cases."""
    rows, worse = [], []
    for name, program, vocab, n in cases:
        ref, eco = (_shape(program, vocab, n, lay) for lay in ("reference", "economical"))
        if ref is None or eco is None:
            continue
        row = {"program": name, "max_seq_len": n, "layers_ref": ref[0], "layers_eco": eco[0],
               "params_ref": ref[1], "params_eco": eco[1], "ratio": round(eco[1] / ref[1], 4)}
        rows.append(row)
        if eco[0] > ref[0] or eco[1] > ref[1]:
            worse.append(row)
    return rows, worse


def library_cases():
    sizes = [(name, v, n) for v, n in LIBRARY_SIZES for name in lib_catalog.NAMES]
    sizes += [(name, v, n) for v, n in PAPER_SIZES for name in lib_catalog.PAPER_NAMES]
    for name, v, n in sizes:
        if (name, v, n) in TOO_BIG_FOR_REFERENCE:
            continue
        case = lib_catalog.build(name, v, n)
        print(f"{name} {v}x{n}", file=sys.stderr, flush=True)
        yield f"{name} {v}x{n}", case.program, case.vocab, n


def fuzz_cases(count: int):
    from bench.fuzz_programs import generate

    for i in range(count):
        case = generate(random.Random(f"0:{i}"))
        yield f"fuzz {i}", case.program, case.vocab, case.max_seq_len


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.economy", description=__doc__)
    parser.add_argument("--rows", choices=["issue", "none"], default="issue")
    parser.add_argument("--library", action="store_true")
    parser.add_argument("--fuzz", type=int, default=0)
    parser.add_argument("--checks", type=int, default=100, help="random inputs per row")
    args = parser.parse_args(argv)
    bad = 0
    if args.rows == "issue":
        rows = issue_rows(args.checks)
        print(table(rows, list(rows[0])))
        write_json("economy_issue", rows)
        bad += sum(r["exact"].split("/")[0] != r["exact"].split("/")[1] for r in rows)
    for flag, name, cases in (("library", "economy_library", library_cases),
                              ("fuzz", "economy_fuzz", lambda: fuzz_cases(args.fuzz))):
        if not getattr(args, flag):
            continue
        rows, worse = compare(cases())
        ratios = [r["ratio"] for r in rows]
        geo = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else float("nan")
        print(f"\n{flag}: {len(rows)} programs compiled both ways; geometric mean of "
              f"params ratio (economical / reference) {geo:.4f}; regressions: {len(worse)}")
        print(table(rows if flag == "library" else worse or rows[:1], list(rows[0])))
        write_json(name, rows, {"geomean_ratio": geo, "regressions": worse})
        bad += len(worse)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
