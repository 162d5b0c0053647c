"""``tracr compile``: SOURCE -> a model file, with a summary of its shape."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracr.cli import sources

HELP = "compile a program into a model file (.safetensors)"
EPILOG = """\
SOURCE is a .rasp file, lib:NAME (a library program: lib:reverse, lib:sort, ...),
module:function or file.py:function (a Python function returning a RASP s-op, called with no
arguments, or with the Python literals written after it: 'mymod:make_shift(2)'), or
module:attribute (an s-op).

examples:
  tracr compile examples/reverse.rasp --vocab 1,2,3 --max-seq-len 5
  tracr compile examples/sort.rasp --vocab 1,2,3,4 --max-seq-len 8 -o sort8.safetensors
  tracr compile lib:frac_prevs --max-seq-len 10
  tracr compile 'mymod:make_program(3)' --vocab a,b --max-seq-len 6 --causal
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "compile", HELP, EPILOG)
    p.add_argument("source", metavar="SOURCE", help="the program: see below")
    sources.add_compile_options(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="model file to write (default: the SOURCE's stem + .safetensors, in the "
        "working directory)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr.export import safetensors

    program = sources.load_program(args.source, args.name, args.max_seq_len)
    model = sources.compile_program(program, args)
    output = Path(args.output or program.stem + sources.MODEL_SUFFIX)
    safetensors.save(model, output)
    print(summary(model, program.sop.name, args.source))
    print(f"wrote {output}")
    return 0


def summary(model, name: str, source: str) -> str:
    cfg = model.model_config
    vocab = ", ".join(sorted(map(repr, model.input_encoder.vocab)))
    return "\n".join(
        [
            f"compiled {name} from {source}",
            f"  layers {cfg.num_layers}  heads {cfg.num_heads}  d_model {cfg.d_model}  "
            f"mlp width {cfg.mlp_hidden_size}",
            f"  vocab {{{vocab}}}  max_seq_len {cfg.max_seq_len}  causal {cfg.causal}",
        ]
    )
