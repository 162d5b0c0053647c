"""``python -m bench.fuzz --count 10000 --seed 0``: compile thousands of random programs.

Every program (see ``bench.fuzz_programs``) must compile, causal and not, to a model equal to
the evaluator on its inputs (unpadded, ragged batches, padded), or be refused with
``UnsupportedExprError``. Prints the counts — compiled and exact, compiled but with no checked
input in the domain, refused by reason, silently wrong, crashed — writes
``bench/results/fuzz.json`` and exits non-zero on any wrong answer or crash. Program i is
``generate(random.Random(f"{seed}:{i}"))``, so ``--only i`` reruns one of them alone.

``--float32`` also runs every compiled, checked model in float32 (the torch backend) on the
same inputs and counts it against the model's precision record: recorded exact and right,
recorded inexact (right or wrong in float32 on these inputs: the analysis's conservatism), and
recorded exact but wrong ("unsound", which must be 0: it also fails the run).
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time

from bench.common import table, write_json
from bench.fuzz_programs import FuzzCase, Outcome, check, generate


def case_for(seed: int, i: int) -> FuzzCase:
    return generate(random.Random(f"{seed}:{i}"))


def _progress(i: int, count: int, counts: collections.Counter, start: float) -> None:
    elapsed = time.perf_counter() - start
    shown = " ".join(f"{k}={counts[k]}" for k in ("exact", "vacuous", "refused", "wrong", "crash"))
    line = f"[{i}/{count}] {shown} ({elapsed:.0f} s)"
    if sys.stderr.isatty():
        print(f"\r{line}", end="", file=sys.stderr, flush=True)
    elif i % 500 == 0 or i == count:
        print(line, file=sys.stderr, flush=True)


F32_KINDS = ("exact", "inexact-right", "inexact-wrong", "unsound")


def run(count: int, seed: int, budget: int, only: list[int] | None, float32: bool = False
        ) -> tuple[dict, list[dict]]:
    if float32:
        import torch

        torch.set_num_threads(1)  # tiny models: threads cost more than they give
    counts: collections.Counter = collections.Counter()
    f32: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    failures: list[dict] = []
    slowest: list[tuple[float, int]] = []
    start = time.perf_counter()
    indices = only if only is not None else range(count)
    for done, i in enumerate(indices, start=1):
        case = case_for(seed, i)
        t0 = time.perf_counter()
        outcome: Outcome = check(case, budget=budget, seed=i, float32=float32)
        slowest.append((time.perf_counter() - t0, i))
        counts[outcome.kind] += 1
        if outcome.kind == "refused":
            reasons[outcome.reason] += 1
        if outcome.float32:
            f32[outcome.float32] += 1
        if outcome.float32 == "unsound":
            failures.append({"index": i, "kind": "float32 unsound", "case": str(case),
                             "detail": outcome.detail})
            print(f"\n--- program {i}: recorded exact in float32 but wrong there\n{case}\n"
                  f"{outcome.detail}", file=sys.stderr, flush=True)
        if outcome.kind in ("wrong", "crash"):
            failures.append({"index": i, "kind": outcome.kind, "case": str(case),
                             "detail": outcome.detail})
            print(f"\n--- program {i}: {outcome.kind}\n{case}\n{outcome.detail}", file=sys.stderr,
                  flush=True)
        if done % 25 == 0 or done == len(indices):
            _progress(done, len(indices), counts, start)
    print(file=sys.stderr)
    summary = {
        "programs": len(indices), "seed": seed, "inputs_per_program": budget,
        "seconds": round(time.perf_counter() - start, 1),
        "counts": dict(counts), "refused_by_reason": dict(reasons.most_common()),
        "float32": {k: f32.get(k, 0) for k in F32_KINDS} if float32 else None,
        "slowest": [{"index": i, "seconds": round(t, 3)} for t, i in sorted(slowest)[-5:]],
    }
    return summary, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inputs", type=int, default=60,
                        help="inputs per program (all of them when there are fewer)")
    parser.add_argument("--only", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated program indices to rerun")
    parser.add_argument("--show", type=int, help="print program INDEX and exit")
    parser.add_argument("--float32", action="store_true",
                        help="also run each compiled model in float32 (torch) and check its "
                             "precision record")
    args = parser.parse_args(argv)
    if args.show is not None:
        print(case_for(args.seed, args.show))
        return 0
    summary, failures = run(args.count, args.seed, args.inputs, args.only, args.float32)
    counts = summary["counts"]
    rows = [{"outcome": k, "programs": counts.get(k, 0)}
            for k in ("exact", "vacuous", "refused", "wrong", "crash")]
    print(table(rows, ["outcome", "programs"]))
    print("\nrefused, by the first problem's reason:")
    reason_rows = [{"programs": n, "reason": r} for r, n in summary["refused_by_reason"].items()]
    if reason_rows:
        print(table(reason_rows, ["programs", "reason"]))
    if summary["float32"] is not None:
        print("\nfloat32 (torch) against the precision record, per compiled program:")
        print(table([{"float32": k, "programs": n} for k, n in summary["float32"].items()],
                    ["float32", "programs"]))
    print(f"\n{summary['programs']} programs in {summary['seconds']} s; silently wrong: "
          f"{counts.get('wrong', 0)}, crashed: {counts.get('crash', 0)}")
    if args.only is None:
        name = "fuzz_float32" if args.float32 else "fuzz"
        path = write_json(name, rows + failures, meta=summary)
        print(f"wrote {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
