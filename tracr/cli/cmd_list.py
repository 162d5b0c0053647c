"""``tracr list``: the library programs a SOURCE can name as ``lib:NAME``."""

from __future__ import annotations

import argparse

from tracr.cli import sources

HELP = "list the library programs (lib:NAME) with their default vocabulary and length"
EPILOG = """\
Each program compiles with its default vocabulary and max length unless --vocab or
--max-seq-len is given; a VOCABULARY column is written as --vocab takes it.

examples:
  tracr list | grep sort
  tracr run lib:sort 3 1 2
  tracr show lib:dyck2 --max-seq-len 8
"""


def register(subparsers) -> None:
    p = sources.new_parser(subparsers, "list", HELP, EPILOG)
    p.set_defaults(func=run)


def _vocab_text(vocab: frozenset) -> str:
    return ",".join(str(t) for t in sorted(vocab, key=lambda t: (type(t).__name__, t)))


def rows() -> list[tuple[str, str, str, str, str]]:
    """(lib:NAME, module, vocabulary, max length, what it computes) per library program."""
    from tracr.compiler import lib_catalog

    out = []
    for names, module in ((lib_catalog.NAMES, "lib"), (lib_catalog.PAPER_NAMES, "paper_lib")):
        for name in names:
            case = lib_catalog.build(name)
            summary = lib_catalog.SUMMARIES.get(name, "")
            out.append((f"lib:{name}", module, _vocab_text(case.vocab), str(case.max_seq_len),
                        summary))
    return out


def run(args: argparse.Namespace) -> int:
    header = ("SOURCE", "FROM", "VOCABULARY", "MAX_LEN", "COMPUTES")
    table = [header, *rows()]
    widths = [max(len(r[c]) for r in table) for c in range(len(header) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0
