"""``tracr show``: the program graph, layer allocation and residual layout as text."""

from __future__ import annotations

import argparse

from tracr.cli import sources

HELP = "print a model's program graph, layer allocation, residual layout and functions"
EPILOG = """\
For a program (not a model file) the last section prints each Map's and SequenceMap's
function: its Python source where Python can give it, and the values it closes over.

examples:
  tracr show examples/histogram.rasp --vocab a,b,c --max-seq-len 5
  tracr show reverse.safetensors
  tracr show lib:sort
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "show", HELP, EPILOG)
    p.add_argument(
        "source",
        metavar="SOURCE_OR_MODEL",
        help="a .safetensors model, or a source as for 'tracr compile'",
    )
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr.cli.functions import functions_text
    from tracr.model.text import model_text

    if sources.is_model_path(args.source):
        model = sources.model_or_compile(args.source, args)
        functions = "(a model file keeps no Python functions; show the program's source)"
    else:
        program = sources.load_program(args.source, args.name, args.max_seq_len)
        model = sources.compile_program(program, args)
        functions = functions_text(program.sop)
    print(model_text(model))
    print(f"\n# functions\n{functions}")
    return 0
