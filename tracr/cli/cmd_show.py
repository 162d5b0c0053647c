"""``tracr show``: the program graph, layer allocation and residual layout as text."""

from __future__ import annotations

import argparse

from tracr.cli import sources

HELP = "print a model's program graph, layer allocation and residual layout"
EPILOG = """\
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
    from tracr.model.text import model_text

    print(model_text(sources.model_or_compile(args.source, args)))
    return 0
