"""``tracr verify``: the differential test of a model against the RASP evaluator."""

from __future__ import annotations

import argparse
import itertools
import random
import sys

from tracr.cli import sources
from tracr.cli.progress import Progress
from tracr.cli.sources import CliError

HELP = "check a compiled model against the RASP evaluator"
EXHAUSTIVE_LIMIT = 20_000
DEFAULT_RANDOM = 1_000
SHOWN = 10
EPILOG = f"""\
By default every input is checked when there are at most {EXHAUSTIVE_LIMIT} of them (all
lengths 1..max-seq-len); otherwise all inputs of the lengths that fit in that count, plus
{DEFAULT_RANDOM} random ones (--random N) that are longer. Inputs on which the evaluator
itself fails are outside the program's domain: counted, not compared. Exit status 0 when the
model is exact, 1 when it is not (the first {SHOWN} mismatches are listed), 2 on errors.

examples:
  tracr verify examples/sort.rasp --vocab 1,2,3 --max-seq-len 5
  tracr verify lib:sort_unique --padded
  tracr verify examples/reverse.rasp --model reverse.safetensors
  tracr verify lib:frac_prevs --max-seq-len 16 --exhaustive-len 6 --random 5000 --seed 1
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "verify", HELP, EPILOG)
    p.add_argument("source", metavar="SOURCE", help="the program, as for 'tracr compile'")
    p.add_argument(
        "--model",
        metavar="FILE",
        help="check this saved model (compiled from SOURCE) instead of compiling",
    )
    p.add_argument(
        "--exhaustive-len", type=int, metavar="L", help="check every input of length 1..L"
    )
    p.add_argument(
        "--random",
        type=int,
        metavar="N",
        help="check N random inputs longer than the exhaustive ones",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument(
        "--padded",
        action="store_true",
        help="also check every input right-padded with PAD to max-seq-len",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="progress bar on stderr (default: on a terminal, for long runs)",
    )
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr.compiler import verifying

    if args.model:
        sources.refuse_compile_options(
            args, "with --model they come from the model file", keep=("name",)
        )
        model = sources.load_model(args.model)
        program = sources.load_program(args.source, args.name, model.model_config.max_seq_len)
    else:
        program = sources.load_program(args.source, args.name, args.max_seq_len)
        model = sources.compile_program(program, args)
    plan = Plan.make(program, model, args)
    passes = [False, True] if args.padded else [False]
    bar = Progress(plan.count * len(passes), "verify", enabled=args.progress)
    reports = []
    try:
        for padded in passes:
            inputs = bar.wrap(plan.inputs())
            reports.append(verifying.compare(model, program.sop, inputs, pad_to_max=padded))
    finally:
        bar.close()
    return _print_reports(plan, reports)


class Plan:
    """Which inputs to check: all up to ``exhaustive_len``, then ``random`` longer ones."""

    def __init__(
        self,
        vocab: list,
        max_len: int,
        exhaustive_len: int,
        random_count: int,
        seed: int,
        case=None,
    ):
        self.vocab, self.max_len, self.case, self.seed = vocab, max_len, case, seed
        self.exhaustive_len, self.random_count = exhaustive_len, random_count
        self.count = _count(len(vocab), exhaustive_len) + random_count

    @classmethod
    def make(cls, program: sources.Program, model, args: argparse.Namespace) -> Plan:
        vocab = sorted(model.input_encoder.vocab, key=repr)
        max_len = model.model_config.max_seq_len
        if args.exhaustive_len is not None and not 0 <= args.exhaustive_len <= max_len:
            raise CliError(f"--exhaustive-len must be between 0 and max-seq-len {max_len}")
        if args.random is not None and args.random < 0:
            raise CliError("--random must be >= 0")
        length = args.exhaustive_len
        if length is None:
            length = max(
                (n for n in range(max_len + 1) if _count(len(vocab), n) <= EXHAUSTIVE_LIMIT),
                default=0,
            )
        count = args.random
        if count is None:
            count = DEFAULT_RANDOM if length < max_len else 0
        return cls(vocab, max_len, length, count, args.seed, program.case)

    def inputs(self):
        from tracr.compiler import verifying

        return itertools.chain(
            verifying.all_inputs(self.vocab, self.exhaustive_len), self._random_inputs()
        )

    def _random_inputs(self):
        rng = random.Random(self.seed)
        lo, hi = self._random_lengths()
        for _ in range(self.random_count):
            n = rng.randint(lo, hi)
            if self.case is not None:  # the catalog's sampler keeps to the program's domain
                yield self.case.sample(rng, min(n, self.case.max_len_in_domain()))
            else:
                yield [rng.choice(self.vocab) for _ in range(n)]

    def _random_lengths(self) -> tuple[int, int]:
        return min(self.exhaustive_len + 1, self.max_len), self.max_len

    def describe(self) -> str:
        parts = []
        if self.exhaustive_len:
            parts.append(
                f"all {_count(len(self.vocab), self.exhaustive_len)} of length "
                f"1-{self.exhaustive_len}"
            )
        if self.random_count:
            lo, hi = self._random_lengths()
            parts.append(f"{self.random_count} random of length {lo}-{hi} (seed {self.seed})")
        return " and ".join(parts) or "none"


def _count(vocab_size: int, max_len: int) -> int:
    return sum(vocab_size**n for n in range(1, max_len + 1))


def _print_reports(plan: Plan, reports: list) -> int:
    print(f"inputs: {plan.describe()}")
    failed = False
    for name, report in zip(["unpadded", "padded"], reports, strict=False):
        outside = (
            f", {report.outside_domain} outside the program's domain (skipped)"
            if report.outside_domain
            else ""
        )
        if report.ok and report.checked == 0:
            failed = True
            print(f"{name}: NOTHING CHECKED: all {report.outside_domain} inputs were outside "
                  "the program's domain (the evaluator fails on them)")
            continue
        if report.ok:
            print(f"{name}: exact on all {report.checked} inputs{outside}")
            continue
        failed = True
        wrong = report.checked - report.exact
        print(
            f"{name}: MISMATCH on {wrong} of {report.checked} inputs "
            f"({len(report.mismatches)} positions){outside}"
        )
        for mismatch in report.mismatches[:SHOWN]:
            print(f"  {mismatch}")
        if len(report.mismatches) > SHOWN:
            print(f"  ... and {len(report.mismatches) - SHOWN} more")
    sys.stdout.flush()
    return 1 if failed else 0
