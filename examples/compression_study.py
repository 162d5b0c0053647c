"""The Tracr paper's compression case studies (section 5): how far can the stream shrink?

    python examples/compression_study.py [OUT_DIR] [--sizes 4,8,12] [--steps 3000]

For ``frac_prevs`` (vocab {a, b, c, x}, max_seq_len 5: the fraction of x so far) and
``sort_unique`` (vocab {1..5}, max_seq_len 5, distinct tokens), the script compiles the
program, learns a compressed residual stream for a sweep of embedding sizes
(``tracr.compress.sweep``), prints the held-out accuracy of each, and writes to OUT_DIR
(default ./compression_out), per program: ``accuracy.png`` (accuracy against
embedding_size: where it breaks down), and for the smallest size that stays >= 99% exact
(else the largest) ``overlap_kK.png`` (w.T @ w: which features share directions),
``norms_kK.png`` (the length of each feature's direction) and the compressed model
``PROGRAM_kK.safetensors``. Needs ``tracr[torch,viz]``. A full sweep takes minutes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tracr import compress
from tracr.compiler import compiling, lib
from tracr.compress import plots
from tracr.rasp import rasp


def case_studies() -> dict:
    """name -> (compiled model, domain predicate, default sweep of sizes, compress options).

    The options are those ``python -m bench.compress`` measured best for each program."""
    frac = compiling.compile_rasp_to_model(
        lib.make_frac_prevs(rasp.tokens == "x"), {"a", "b", "c", "x"}, 5, compiler_bos="BOS"
    )
    sort = compiling.compile_rasp_to_model(
        lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3, 4, 5}, 5, compiler_bos="BOS"
    )
    distinct = lambda tokens: len(set(tokens)) == len(tokens)  # noqa: E731
    return {
        "frac_prevs": (frac, None, [2, 3, 4, 5, 6, 7, 9], {"init": "random", "batch_size": 256}),
        "sort_unique": (sort, distinct, [4, 6, 8, 10, 12, 14, 16], {}),
    }


def study(name: str, case: tuple, sizes: list[int], steps: int, out: Path) -> None:
    model, domain, _, options = case
    d = model.model_config.d_model
    print(f"{name}: d_model {d}, sizes {sizes}")
    results = compress.sweep(model, sizes, domain=domain, **(options | {"steps": steps}))
    for r in results:
        print(f"  embedding_size {r.embedding_size:3d}: {r.accuracy:7.2%} exact "
              f"({len(r.history)} steps, {r.seconds:.1f} s)")  # fmt: skip
    plots.accuracy_curve(results, path=out / f"{name}_accuracy.png")
    good = [r for r in results if r.accuracy >= 0.99]
    pick = min(good, key=lambda r: r.embedding_size) if good else results[-1]
    k = pick.embedding_size
    plots.overlap_heatmap(pick.model, path=out / f"{name}_overlap_k{k}.png")
    plots.feature_norms(pick.model, path=out / f"{name}_norms_k{k}.png")
    compress.save(pick.model, out / f"{name}_k{k}.safetensors")
    print(f"  pictures of embedding_size {k} in {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="compression_out", help="output folder")
    parser.add_argument("--sizes", help="comma-separated embedding sizes (both programs)")
    parser.add_argument("--steps", type=int, default=3000, help="optimiser steps per size")
    parser.add_argument("--programs", default="frac_prevs,sort_unique")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cases = case_studies()
    for name in args.programs.split(","):
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else cases[name][2]
        study(name, cases[name], sizes, args.steps, out)


if __name__ == "__main__":
    main()
