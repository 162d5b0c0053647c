"""``tracr report``: a self-contained HTML report of a model on one input."""

from __future__ import annotations

import argparse

from tracr.cli import sources
from tracr.cli.cmd_run import _speller

HELP = "write an offline HTML report of a model run on one input (needs tracr[viz])"
EPILOG = """\
examples:
  tracr report lib:sort_unique 3 1 2 -o sort.html
  tracr report reverse.safetensors 1 2 3 -o reverse.html --svg
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "report", HELP, EPILOG)
    p.add_argument("source", metavar="MODEL_OR_SOURCE",
                   help="a .safetensors model, or a source as for 'tracr compile'")
    p.add_argument("tokens", nargs="+", metavar="TOKEN", help="the input (BOS is added)")
    p.add_argument("-o", "--output", default="report.html", help="the HTML file to write")
    p.add_argument("--svg", action="store_true", help="embed SVG pictures instead of PNG")
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr.viz import report_html

    model = sources.model_or_compile(args.source, args)
    spell = _speller(model)
    tokens = [model.input_encoder.bos_token, *(spell(t) for t in args.tokens)]
    report_html(model, tokens, args.output, image_format="svg" if args.svg else "png")
    print(f"wrote {args.output}")
    return 0
