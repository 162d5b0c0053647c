"""``tracr compress``: learn a smaller residual stream for a model (needs ``tracr[torch]``)."""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

from tracr.cli import sources

HELP = "compress a model's residual stream by gradient descent (needs tracr[torch])"
EPILOG = """\
Learns w [K, d_model] so that the model with its residual stream squeezed to K dimensions
(written through w.T, read through w) still computes the program, trains on random inputs of
the program's domain (inputs on which the RASP evaluator fails are left out; lib: programs
use the catalog's sampler), prints the fraction of held-out positions decoded exactly and
writes the compressed model (load it with tracr.compress.load).

examples:
  tracr compress lib:sort_unique --embedding-size 12
  tracr compress examples/frac_prevs.rasp --vocab a,b,c,x --max-seq-len 5 --embedding-size 7
  tracr compress sort.safetensors --embedding-size 10 --steps 4000 -o sort10.safetensors
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "compress", HELP, EPILOG)
    p.add_argument("source", metavar="MODEL_OR_SOURCE", help="a .safetensors model or a source")
    p.add_argument(
        "-k", "--embedding-size", type=int, required=True, metavar="K",
        help="size of the compressed residual stream",
    )  # fmt: skip
    p.add_argument("-o", "--output", metavar="FILE", help="default: STEM.kK.safetensors")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--steps", type=int, metavar="N", help="optimiser steps (default 3000)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--train-compiled", action="store_true", help="fine-tune the compiled weights too"
    )
    p.add_argument(
        "--decompress-every-layer", action="store_true",
        help="round-trip the stream through the original basis before every sublayer",
    )  # fmt: skip
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr import compress

    model, stem, domain, sample = _model(args)
    options: dict[str, Any] = {
        "train_compiled": args.train_compiled,
        "decompress_every_layer": args.decompress_every_layer,
    }
    if args.steps is not None:
        options["steps"] = args.steps
    result = compress.compress(
        model, args.embedding_size, seed=args.seed, domain=domain, sample=sample,
        quiet=True if args.quiet else None, **options,
    )  # fmt: skip
    output = Path(args.output or f"{stem}.k{args.embedding_size}{sources.MODEL_SUFFIX}")
    compress.save(result.model, output)
    d = model.model_config.d_model
    print(
        f"compressed d_model {d} -> {args.embedding_size}: {result.accuracy:.2%} of held-out "
        f"positions exact ({len(result.history)} steps, {result.seconds:.1f} s)"
    )
    print(f"wrote {output}")
    return 0


def _model(args: argparse.Namespace) -> tuple[Any, str, Any, Any]:
    """(compiled model, output stem, domain predicate, sampler) for the SOURCE."""
    if sources.is_model_path(args.source):
        model = sources.model_or_compile(args.source, args)
        return model, Path(args.source).stem, None, None
    program = sources.load_program(args.source, args.name, args.max_seq_len)
    model = sources.compile_program(program, args)
    if program.case is not None and args.vocab is None:
        return model, program.stem, None, _catalog_sampler(program.case, model)
    return model, program.stem, _evaluator_domain(program.sop, model), None


def _catalog_sampler(case: Any, model: Any) -> Any:
    longest = min(case.max_len_in_domain(), model.input_encoder.max_seq_len)

    def sample(rng: Any) -> list:
        r = random.Random(int(rng.integers(2**32)))
        return case.sample(r, r.randint(1, longest))

    return sample


def _evaluator_domain(sop: Any, model: Any) -> Any:
    """Inputs on which the RASP evaluator gives an answer (memoised: domains are small)."""
    from tracr.rasp import causal_eval, rasp

    evaluate = causal_eval.evaluate if model.model_config.causal else rasp.evaluate
    seen: dict[tuple, bool] = {}

    def domain(tokens: list) -> bool:
        key = tuple(tokens)
        if key not in seen:
            try:
                evaluate(sop, list(tokens))
                seen[key] = True
            except Exception:  # a user function or an Aggregate rule failed: not the domain
                seen[key] = False
        return seen[key]

    return domain
