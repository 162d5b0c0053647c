"""``tracr run``: decoded outputs of a model, optionally with the residual stream."""

from __future__ import annotations

import argparse
import sys

from tracr.cli import sources, tables
from tracr.cli.sources import CliError
from tracr.errors import ModelInputError

HELP = "run a model (or a program compiled on the fly) on inputs"
EPILOG = """\
Each input is a sequence of tokens without BOS (it is prepended). A token the model's
vocabulary spells the same way is that token; otherwise integers are read as int and
anything else as str. One output line per input: the decoded values, space-separated
(numbers to the 5 decimals the compiler guarantees). With --input-file, output line i is
input line i (a blank line gives a blank line), and a bad input is named by its line.

examples:
  tracr run examples/reverse.rasp --vocab 1,2,3 --max-seq-len 5 1 2 3
  tracr run reverse.safetensors 3 1 2
  tracr run reverse.safetensors --input-file inputs.txt      # one input per line
  tracr run lib:hist 0 1 1 --residuals --nonzero              # the stream after every sublayer
  tracr run lib:hist 0 1 1 --layer final                      # only the last one
  tracr run examples/dyck.rasp --vocab '(,)' --max-seq-len 6 '(' ')' '('
"""
BATCH = 256


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "run", HELP, EPILOG)
    p.add_argument(
        "source",
        metavar="MODEL_OR_SOURCE",
        help="a .safetensors model, or a source as for 'tracr compile'",
    )
    p.add_argument("tokens", nargs="*", metavar="TOKEN", help="one input")
    p.add_argument(
        "-f",
        "--input-file",
        metavar="FILE",
        help="inputs, one per line, tokens separated by whitespace ('-': stdin)",
    )
    p.add_argument(
        "--residuals",
        action="store_true",
        help="also print the residual stream: one row per residual label, one column per position",
    )
    p.add_argument(
        "--layer",
        metavar="WHICH",
        help="which residual stream to print (implies --residuals): all (default), "
        "embed, final, N (after layer N), N.attn or N.mlp",
    )
    p.add_argument(
        "--nonzero",
        action="store_true",
        help="leave out residual rows that are zero at every position",
    )
    sources.add_compile_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.tokens) == bool(args.input_file):
        raise CliError("give the input's tokens or --input-file, not both or neither")
    model = sources.model_or_compile(args.source, args)
    show = args.residuals or args.layer is not None
    try:
        chosen = tables.select_stages(args.layer, model.model_config.num_layers)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    lines = [("", args.tokens)] if args.tokens else _read_inputs(args.input_file)
    spell = _speller(model)
    batch = [_checked(model, where, [spell(t) for t in words]) for where, words in lines]
    for start in range(0, len(batch), BATCH):
        _run_batch(model, batch[start : start + BATCH], chosen if show else [], args.nonzero)
    return 0


def _read_inputs(path: str) -> list[tuple[str, list[str]]]:
    """(``FILE:LINE: ``, tokens) for every line; a blank line is an empty input."""
    if path == "-":
        name, lines = "<stdin>", sys.stdin.read().splitlines()
    else:
        with open(path, encoding="utf-8") as f:
            name, lines = path, f.read().splitlines()
    return [(f"{name}:{i}: ", line.split()) for i, line in enumerate(lines, start=1)]


def _checked(model, where: str, tokens: list) -> list:
    """The input, or a ``CliError`` naming its line (before any output is printed)."""
    if tokens:
        try:
            model.input_encoder.check([model.input_encoder.bos_token, *tokens])
        except ModelInputError as exc:
            raise CliError(f"{where}{exc}") from None
    return tokens


def _speller(model):
    """Token text -> token: the vocabulary's own spelling first, else int or str."""
    enc = model.input_encoder
    known = {str(t): t for t in [*enc.vocab, enc.pad_token]}
    return lambda text: known.get(text, sources.parse_token(text))


def _run_batch(model, inputs: list[list], chosen: list[int], nonzero: bool) -> None:
    """One output line per input, in order; an empty input prints an empty line."""
    bos = model.input_encoder.bos_token
    real = [xs for xs in inputs if xs]
    out = model.apply_batch([[bos, *xs] for xs in real]) if real else None
    names = tables.stages(model.model_config.num_layers)
    streams = [out.input_embeddings, *out.residuals] if out else []
    b = -1
    for xs in inputs:
        if not xs:
            print()
            continue
        b += 1
        print(tables.format_seq(out.decoded[b][1:]))
        for s in chosen:
            n = len(xs) + 1
            print(f"\n# residual stream after {names[s]}" if s else "\n# residual stream: embed")
            print(
                tables.residual_table(model.residual_labels, [bos, *xs], streams[s][b, :n], nonzero)
            )
        if chosen:
            print()
