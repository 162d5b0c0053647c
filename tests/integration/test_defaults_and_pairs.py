"""Constructions added for the RASP paper's semantics (issue 18), through the Python API:

* an Aggregate whose default is not None/0 (``chamber.aggregate_default``);
* a SequenceMap reading a numerical SOp (``chamber.numerical_pairs``);
* numerical Maps of means: ``1 / mean`` (the paper's length), ``round(length * mean)``.

Each is compared with the evaluator on every input up to a small length, padded, and causal.
"""

from __future__ import annotations

import warnings

import pytest

from tracr.compiler import compiling, verifying
from tracr.compiler.basis_inference import ValueSetWarning
from tracr.compiler.lookahead import LookaheadWarning
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

C = rasp.Comparison
VOCAB = {"a", "b", "c"}
PREV = rasp.Select(rasp.indices, rasp.Map(lambda i: i - 1, rasp.indices), C.EQ)  # may be empty
IS_A = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens))
UPTO = rasp.Select(rasp.indices, rasp.indices, C.LEQ)
FRAC_A = rasp.numerical(rasp.Aggregate(UPTO, IS_A, default=0))
ALL = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)
FIRST = rasp.numerical(rasp.Map(lambda i: 1 if i == 0 else 0, rasp.indices))
PAPER_LENGTH = rasp.numerical(rasp.Map(lambda x: 1 / x, rasp.numerical(
    rasp.Aggregate(ALL, FIRST, default=0))))


def assert_exact(program, max_seq_len: int = 4, vocab=VOCAB) -> None:
    inputs = list(verifying.all_inputs(vocab, max_seq_len))
    for causal in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValueSetWarning)  # 1 / x meets x = 0
            warnings.simplefilter("ignore", LookaheadWarning)  # means over all look ahead
            model = compiling.compile_rasp_to_model(program, vocab, max_seq_len, causal=causal)
        for report in (verifying.compare(model, program, inputs),
                       verifying.compare(model, program, inputs[::3], pad_to_max=True)):
            assert report.checked > 0
            assert report.ok, [str(m) for m in report.mismatches[:3]]


@pytest.mark.parametrize("default", ["-", "a", 0, False, 7, (1, 2)])
def test_categorical_default(default):
    assert_exact(rasp.Aggregate(PREV, rasp.tokens, default=default))


def test_categorical_default_then_used():
    shifted = rasp.Aggregate(PREV, rasp.tokens, default="-")
    assert_exact(rasp.SequenceMap(lambda x, y: x + y, shifted, rasp.tokens))


@pytest.mark.parametrize("default", [1, -2.5, 0.5, 1000])
def test_numerical_default(default):
    assert_exact(rasp.numerical(rasp.Aggregate(PREV, IS_A, default=default)))


def test_numerical_default_read_by_a_later_head_at_bos():
    # The BOS position must stay zero: a later mean over everything would see it otherwise.
    shifted = rasp.numerical(rasp.Aggregate(PREV, IS_A, default=3))
    assert_exact(rasp.numerical(rasp.Aggregate(ALL, shifted, default=0)))


def test_aggregate_of_a_constant_with_default():
    # The paper's has_focus: aggregate(sel, 1, 0).
    focus = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.Full("a"), C.EQ), rasp.Full(1),
                           default=0)
    assert_exact(rasp.Map(lambda v: v > 0, focus))


@pytest.mark.parametrize(
    "make",
    [
        lambda: rasp.numerical(rasp.SequenceMap(lambda i, m: (i + 1) * m, rasp.indices, FRAC_A)),
        lambda: rasp.numerical(rasp.SequenceMap(lambda m, i: m * (i + 1), FRAC_A, rasp.indices)),
        lambda: rasp.SequenceMap(lambda c, m: m if c == "a" else -1, rasp.tokens, FRAC_A),
        lambda: rasp.numerical(rasp.SequenceMap(lambda x, y: x * y, PAPER_LENGTH, FRAC_A)),
        lambda: rasp.SequenceMap(lambda x, y: x > y, FRAC_A, rasp.numerical(rasp.Aggregate(
            ALL, IS_A, default=0))),
        lambda: rasp.Map(round, rasp.numerical(rasp.SequenceMap(
            lambda n, m: n * m, PAPER_LENGTH, FRAC_A))),
        lambda: rasp.SequenceMap(lambda s, m: (s, m), rasp.Aggregate(PREV, rasp.tokens), FRAC_A),
    ],
    ids=["indices_times_mean", "mean_times_indices", "categorical_output", "length_times_mean",
         "compare_two_means", "round_count", "categorical_input_none"],
)
def test_sequence_map_with_a_numerical_input(make):
    assert_exact(make())


def test_paper_length_and_its_reciprocal():
    assert_exact(PAPER_LENGTH)
    assert_exact(rasp.Map(lambda n: round(n) - 1, PAPER_LENGTH))


def test_refuses_a_numerical_default_that_is_not_a_number():
    program = rasp.numerical(rasp.Aggregate(PREV, IS_A, default=float("nan")))
    with pytest.raises(UnsupportedExprError, match="numerical default nan is not a finite"):
        compiling.compile_rasp_to_model(program, VOCAB, 3)


def test_refuses_a_grid_too_large():
    big = rasp.numerical(rasp.Map(lambda t: t / 7, rasp.tokens))
    other = rasp.numerical(rasp.Map(lambda t: t / 3, rasp.tokens))
    program = rasp.numerical(rasp.SequenceMap(lambda x, y: x * y, big, other))
    with pytest.raises(UnsupportedExprError, match="grid of 40401 value pairs"):
        compiling.compile_rasp_to_model(program, set(range(201)), 2)


def test_refuses_values_too_close_to_separate():
    # (i + 1) * mean - (i + 1) * mean holds -1.1e-16 next to 0.0 (float products of fractions
    # like 1/3 whose denominator is not the actual length): no model separates them.
    def count(token):
        flag = rasp.numerical(rasp.Map(lambda t: 1 if t == token else 0, rasp.tokens))
        mean = rasp.numerical(rasp.Aggregate(UPTO, flag, default=0))
        return rasp.numerical(rasp.SequenceMap(lambda i, m: (i + 1) * m, rasp.indices, mean))

    depth = rasp.numerical(rasp.LinearSequenceMap(count("a"), count("b"), 1, -1))
    with pytest.raises(UnsupportedExprError, match="cannot compile"):
        compiling.compile_rasp_to_model(rasp.Map(lambda x: x == 0, depth), {"a", "b"}, 5)


def test_refuses_a_pair_whose_result_jumps_within_rounding():
    tenth = rasp.numerical(rasp.Map(lambda t: t / 10, rasp.tokens))
    mean = rasp.numerical(rasp.Aggregate(ALL, tenth, default=0))  # inexact: sums of 0.1
    program = rasp.SequenceMap(lambda m, i: m * 10 == i, mean, rasp.indices)
    # Refused: by the rounding check, or earlier because the exact means of tenths lie too
    # close together for the grid.
    with pytest.raises(UnsupportedExprError, match="only up to float rounding|too close"):
        compiling.compile_rasp_to_model(program, {1, 2, 3}, 3)
