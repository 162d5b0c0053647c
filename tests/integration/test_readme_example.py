"""The README example, verbatim."""

from tracr.compiler import compiling, lib  # noqa: F401  (lib imported as in the README)
from tracr.rasp import rasp


def test_readme_reverse_example():
    length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
    opp_index = length - rasp.indices - 1
    flip = rasp.Select(rasp.indices, opp_index, rasp.Comparison.EQ)
    reverse = rasp.Aggregate(flip, rasp.tokens)
    model = compiling.compile_rasp_to_model(reverse, vocab={1, 2, 3}, max_seq_len=5,
                                            compiler_bos="BOS")
    out = model.apply(["BOS", 1, 2, 3])
    assert out.decoded == ["BOS", 3, 2, 1]
