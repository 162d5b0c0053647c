"""``tracr report``: an offline HTML page of a model, interactive by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracr.cli import sources
from tracr.cli.cmd_run import _speller
from tracr.cli.sources import CliError

HELP = "write an offline HTML page that runs a model in the browser"
EPILOG = """\
The page embeds the weights and runs the forward pass in the browser: type or pick tokens,
see the decoded output, the residual stream after every sublayer, each head's pattern with
the expression it computes, and the program graph. TOKENS, if given, are the first input shown.
--static writes the earlier picture report instead (one input, needs tracr[viz]).

examples:
  tracr report lib:sort_unique 3 1 2 -o sort.html
  tracr report reverse.safetensors -o reverse.html
  tracr report lib:sort_unique 3 1 2 --static -o sort_static.html --svg
"""


def register(subparsers) -> None:
    from tracr.viz.page import DEFAULT_MAX_PARAMS

    p = sources.new_parser(subparsers, "report", HELP, EPILOG)
    p.add_argument("source", metavar="MODEL_OR_SOURCE",
                   help="a .safetensors model, or a source as for 'tracr compile'")
    p.add_argument("tokens", nargs="*", metavar="TOKEN", help="the input (BOS is added)")
    p.add_argument("-o", "--output", default="report.html",
                   help="the HTML file to write (default: report.html)")
    p.add_argument("--static", action="store_true",
                   help="write the static picture report of one input (needs tracr[viz])")
    p.add_argument("--svg", action="store_true",
                   help="with --static: embed SVG pictures instead of PNG")
    p.add_argument("--max-params", type=int, default=DEFAULT_MAX_PARAMS, metavar="N",
                   help="refuse to embed models with more numbers "
                   f"(default {DEFAULT_MAX_PARAMS:,})")
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tracr.viz import interactive_html, report_html

    if args.static and not args.tokens:
        raise CliError("--static reports one input: give its tokens")
    if args.svg and not args.static:
        raise CliError("--svg applies to --static reports (the interactive page draws itself)")
    model = sources.model_or_compile(args.source, args)
    spell = _speller(model)
    tokens = [model.input_encoder.bos_token, *(spell(t) for t in args.tokens)]
    if args.static:
        report_html(model, tokens, args.output, image_format="svg" if args.svg else "png")
    else:
        interactive_html(model, args.output, tokens=tokens if args.tokens else None,
                         max_params=args.max_params)
    print(f"wrote {Path(args.output).resolve()}")
    return 0
