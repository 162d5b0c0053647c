"""``tracr dataset generate``: random programs, compiled and verified, as sharded Parquet."""

from __future__ import annotations

import argparse
import os
import re

from tracr.cli import sources
from tracr.cli.progress import WIDTH, Progress

HELP = "generate a dataset of random programs with their compiled, verified models"
EPILOG = """\
ACTION is 'generate'. The dataset is decided by --seed and the program options alone (not by
--workers or --engine); a run into a directory that holds part of the same dataset resumes it.
Reading it back: tracr.datasets.load(DIR) yields (program, model) pairs; the shards open with
pandas or datasets.load_dataset("parquet", data_files="DIR/shard-*.parquet").

examples:
  tracr dataset generate --count 1000 --out data/ --workers 2 --seed 0
  tracr dataset generate --count 100 --out small/ --vocab a,b,c --max-seq-len 5 --ops 3-8
  tracr dataset generate --count 100000 --out big/ --engine ray --address auto
  tracr dataset generate --count 500 --out maps/ --mix map=5,aggregate=1,composite=0
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "dataset", HELP, EPILOG)
    p.add_argument("action", choices=["generate"], help="what to do (generate)")
    p.add_argument("--count", type=int, required=True, help="programs in the dataset")
    p.add_argument("--out", required=True, metavar="DIR", help="the dataset directory")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes, or Ray tasks at once (default: the number of CPUs)")
    p.add_argument("--seed", type=int, default=0, help="the dataset's seed (default 0)")
    p.add_argument("--vocab", type=sources.parse_vocab, default=None,
                   help="comma-separated tokens (default 0,1,2,3,4)")
    p.add_argument("--max-seq-len", type=int, default=8, help="default 8")
    p.add_argument("--ops", type=_ops, default=(5, 15), metavar="MIN-MAX",
                   help="operations per program, e.g. 5-15 (default) or 10")
    p.add_argument("--depth", type=int, default=12, help="longest chain of operations (12)")
    p.add_argument("--mix", type=_mix, default=None, metavar="OP=W,...",
                   help="weights of map, sequence_map, linear_sequence_map, aggregate, "
                   "numerical_aggregate, selector_width; probabilities composite, constant")
    p.add_argument("--verify-inputs", type=int, default=32,
                   help="random inputs each model is checked on (default 32)")
    p.add_argument("--shard-size", type=int, default=64, help="candidates per shard (64)")
    p.add_argument("--engine", choices=["process", "ray"], default="process",
                   help="a local process pool (default) or Ray tasks")
    p.add_argument("--address", default=None,
                   help="a running Ray cluster to use (with --engine ray), e.g. auto")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="draw a progress bar (default: when stderr is a terminal)")
    p.set_defaults(func=run)  # fmt: skip


def _ops(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not match:
        raise argparse.ArgumentTypeError(f"--ops takes N or MIN-MAX, got {text!r}")
    low = int(match.group(1))
    return low, int(match.group(2) or low)


def _mix(text: str) -> dict[str, float]:
    mix = {}
    for item in text.split(","):
        name, _, weight = item.partition("=")
        try:
            mix[name.strip()] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"--mix takes NAME=NUMBER pairs separated by commas, got {item!r}"
            ) from None
    return mix


class _RateProgress(Progress):
    """The progress bar with programs per second."""

    def _draw(self, now: float) -> None:
        elapsed = now - self._start
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * WIDTH) + "." * (WIDTH - int(frac * WIDTH))
        rate = self.done / elapsed if elapsed > 0 else 0.0
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} "
                          f"{rate:.1f} programs/s {elapsed:.0f}s")  # fmt: skip
        self.stream.flush()
        self._drawn = True


def run(args: argparse.Namespace) -> int:
    from tracr import datasets

    sampler = datasets.SamplerConfig(
        vocab=tuple(sorted(args.vocab, key=repr)) if args.vocab else (0, 1, 2, 3, 4),
        max_seq_len=args.max_seq_len,
        min_ops=args.ops[0],
        max_ops=args.ops[1],
        max_depth=args.depth,
        mix=tuple({**datasets.DEFAULT_MIX, **(args.mix or {})}.items()),
    )
    config = datasets.DatasetConfig(sampler, args.seed, args.verify_inputs, args.shard_size)
    bar = _RateProgress(args.count, "programs", enabled=args.progress)
    last = [0]

    def progress(summary: datasets.Summary) -> None:
        bar.update(summary.new_rows - last[0])
        last[0] = summary.new_rows

    try:
        summary = datasets.generate(args.out, args.count, config, workers=args.workers,
                                    engine=args.engine, address=args.address,
                                    on_progress=progress)  # fmt: skip
    finally:
        bar.close()
    print(summary.text())
    print(f"wrote {args.out}")
    return 0
