"""A visual walkthrough of sort_unique: compile it, run it, and look inside.

    python examples/sort_unique_walkthrough.py [OUT_DIR] [--input 3 5 1 4]

sort_unique orders ``vals`` by ``keys`` (here both are the tokens, which must be distinct):

    smaller    = Select(keys, keys, LT)          # key k is smaller than query q
    target_pos = SelectorWidth(smaller)          # how many tokens are smaller: where q goes
    sel_new    = Select(target_pos, indices, EQ) # position i fetches the token whose target is i
    sort       = Aggregate(sel_new, vals)

It compiles to two layers: layer 0's head and MLP compute ``target_pos`` (a SelectorWidth
takes both), layer 1's head moves each token to its place. The script prints where each
expression was compiled and what the model outputs, and writes to OUT_DIR (default
./walkthrough_out): the program graph, the residual stream after every sublayer, a close-up
of the rows that matter, the attention patterns, and ``report.html``, which holds all of it
and opens offline.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from tracr import viz
from tracr.compiler import compiling, lib
from tracr.model.text import allocation_text, program_text
from tracr.rasp import rasp

VOCAB = {1, 2, 3, 4, 5}
MAX_SEQ_LEN = 5


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="walkthrough_out", type=Path)
    parser.add_argument(
        "--input",
        nargs="+",
        type=int,
        default=[3, 5, 1, 4],
        help=f"distinct tokens from {sorted(VOCAB)}",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Path]:
    """Run the walkthrough; returns the files written, by name."""
    args = _arguments(argv)
    program = lib.make_sort_unique(rasp.tokens, rasp.tokens)
    model = compiling.compile_rasp_to_model(
        program, vocab=VOCAB, max_seq_len=MAX_SEQ_LEN, compiler_bos="BOS"
    )
    tokens = ["BOS", *args.input]
    print("# program\n" + program_text(model))
    print("\n# layers\n" + allocation_text(model))
    print(f"\ninput   {tokens}\noutput  {model.apply(tokens).decoded}")

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    files = {
        name: out / name
        for name in (
            "program_graph.png",
            "residual_stream.png",
            "residual_closeup.png",
            "attention.png",
            "report.html",
        )
    }
    viz.program_graph(model, path=files["program_graph.png"])
    viz.residual_heatmaps(model, tokens, path=files["residual_stream.png"])
    # The rows the walkthrough is about: where each token goes, and the sorted result.
    viz.residual_heatmaps(
        model,
        tokens,
        sops=["tokens", "indices", "target_pos", "sort"],
        path=files["residual_closeup.png"],
    )
    viz.attention_patterns(model, tokens, path=files["attention.png"])
    viz.report_html(model, tokens, files["report.html"])
    print("\nwrote " + ", ".join(str(p) for p in files.values()))
    return files


if __name__ == "__main__":
    main()
