"""The RASP paper's programs that need composite selectors: compiled and exact (issue 9).

Random inputs up to max_seq_len 16 (and exhaustive small ones), causal and not, padded and not.
"""

import warnings

import pytest

from tracr.compiler import compiling, lib_catalog, verifying
from tracr.compiler.lookahead import LookaheadWarning
from tracr.compiler.paper_lib import make_dyck1, make_dyck2, make_sort_with_duplicates
from tracr.rasp import rasp


def _assert_exact(report: verifying.Report) -> None:
    assert report.checked > 0
    assert report.ok, "\n".join(str(m) for m in report.mismatches[:5])


@pytest.mark.parametrize("name", lib_catalog.PAPER_NAMES)
def test_exhaustive_small(name):
    case = lib_catalog.build(name, vocab_size=4, max_seq_len=4)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len)
    inputs = list(verifying.all_inputs(case.vocab, case.max_seq_len))
    _assert_exact(verifying.compare(model, case.program, inputs))
    _assert_exact(verifying.compare(model, case.program, inputs[::7], pad_to_max=True))


@pytest.mark.parametrize("name", lib_catalog.PAPER_NAMES)
def test_random_up_to_16(name):
    n = 16 if name != "dyck2" else 8  # dyck2 at 16 runs in the benchmark (d_model ~ 4k)
    case = lib_catalog.build(name, vocab_size=5, max_seq_len=n)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len)
    _assert_exact(verifying.compare(model, case.program, case.random_inputs(40, seed=7)))


@pytest.mark.parametrize("name", lib_catalog.PAPER_NAMES)
def test_causal(name):
    case = lib_catalog.build(name, vocab_size=4, max_seq_len=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LookaheadWarning)  # sort looks ahead; dyck does not
        model = compiling.compile_rasp_to_model(case.program, case.vocab, 6, causal=True)
    _assert_exact(verifying.compare(model, case.program, case.random_inputs(60, seed=2)))


def test_dyck_programs_do_not_look_ahead():
    for program, vocab in ((make_dyck1(), {"(", ")", "a"}), (make_dyck2(), set("(){}"))):
        with warnings.catch_warnings():
            warnings.simplefilter("error", LookaheadWarning)
            compiling.compile_rasp_to_model(program, vocab, 5, causal=True)


def test_dyck2_independent_oracle():
    """The evaluator itself agrees with a stack-based recogniser (so exactness means correct)."""
    import random

    pairs = {")": "(", "}": "{"}

    def balanced_prefixes(word):
        stack, ok, out = [], True, []
        for ch in word:
            if ch in "({":
                stack.append(ch)
            elif not stack or stack.pop() != pairs[ch]:
                ok = False
            out.append(1 if ok and not stack else 0)
        return out

    rng = random.Random(0)
    program = make_dyck2()
    for _ in range(300):
        word = [rng.choice("(){}") for _ in range(rng.randint(1, 10))]
        assert program(word) == balanced_prefixes(word), word


def test_sort_with_duplicates_independent_oracle():
    program = make_sort_with_duplicates(rasp.tokens, rasp.tokens)
    for xs in verifying.random_inputs([3, 1, 2, 0], 8, 100, seed=5):
        assert program(xs) == sorted(xs)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_composite_selectors_of_any_depth(depth):
    """Alternating And/Or/Not trees over different SOps, full and causal."""
    shifted = (rasp.indices + 1).named("next")
    leaves = [
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ),
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT),
        rasp.Select(shifted, rasp.indices, rasp.Comparison.EQ),
        rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.NEQ),
    ]
    sel = leaves[0]
    for i in range(depth):
        nxt = leaves[(i + 1) % len(leaves)]
        sel = (sel & nxt) if i % 3 == 0 else (sel | ~nxt) if i % 3 == 1 else ~(sel | nxt)
    program = rasp.SelectorWidth(sel)
    for causal in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LookaheadWarning)  # most of these look ahead
            model = compiling.compile_rasp_to_model(program, {0, 1, 2}, 5, causal=causal)
        inputs = list(verifying.all_inputs({0, 1, 2}, 4))
        _assert_exact(verifying.compare(model, program, inputs))
