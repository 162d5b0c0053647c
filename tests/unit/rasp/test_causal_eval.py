"""The causal evaluator: every selector masked to key <= query; length is q + 1."""

from __future__ import annotations

from tracr.rasp import causal_eval, rasp

C = rasp.Comparison
ALL = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)
XS = [3, 1, 2, 3]


def test_select_is_masked():
    lower = [[k <= q for k in range(4)] for q in range(4)]
    assert causal_eval.evaluate(ALL, XS) == lower
    eq = rasp.Select(rasp.tokens, rasp.tokens, C.EQ)
    assert causal_eval.evaluate(eq, XS) == [
        [True, False, False, False],
        [False, True, False, False],
        [False, False, True, False],
        [True, False, False, True],
    ]


def test_selector_not_and_or_are_masked():
    none = rasp.Select(rasp.tokens, rasp.tokens, C.FALSE)
    lower = [[k <= q for k in range(4)] for q in range(4)]
    assert causal_eval.evaluate(~none, XS) == lower
    assert causal_eval.evaluate(none | ~none, XS) == lower
    assert causal_eval.evaluate(~~none, XS) == [[False] * 4] * 4


def test_constant_selector_is_masked():
    const = rasp.ConstantSelector([[True] * 3] * 3)
    assert causal_eval.evaluate(const, [0, 0, 0]) == [
        [True, False, False],
        [True, True, False],
        [True, True, True],
    ]


def test_selector_width_and_aggregate_read_the_masked_selector():
    assert causal_eval.evaluate(rasp.SelectorWidth(ALL), XS) == [1, 2, 3, 4]
    mean = rasp.numerical(rasp.Aggregate(ALL, rasp.numerical(rasp.tokens)))
    assert causal_eval.evaluate(mean, XS) == [3, 2, 2, 2.25]
    assert rasp.evaluate(mean, XS) == [2.25] * 4


def test_length_is_what_each_position_can_see():
    assert causal_eval.evaluate(rasp.length, XS) == [1, 2, 3, 4]
    assert rasp.evaluate(rasp.length, XS) == [4, 4, 4, 4]
    # length agrees with the width of an all-true selector in both modes.
    width = rasp.SelectorWidth(ALL)
    assert causal_eval.evaluate(width, XS) == causal_eval.evaluate(rasp.length, XS)


def test_a_look_ahead_program_differs():
    length = rasp.SelectorWidth(ALL)
    flip = rasp.Select(rasp.indices, length - rasp.indices - 1, C.EQ)
    reverse = rasp.Aggregate(flip, rasp.tokens)
    assert rasp.evaluate(reverse, [1, 2, 3]) == [3, 2, 1]
    # Position q looks for key n_q - q - 1 = 0 where n_q = q + 1: the first token everywhere.
    assert causal_eval.evaluate(reverse, [1, 2, 3]) == [1, 1, 1]


def test_non_attending_expressions_are_unchanged():
    program = rasp.tokens * 2 + rasp.indices
    assert causal_eval.evaluate(program, XS) == rasp.evaluate(program, XS)
    assert causal_eval.evaluate(rasp.ConstantSOp([9, 8, 7, 6]), XS) == [9, 8, 7, 6]


def test_the_full_evaluator_is_not_affected():
    causal_eval.evaluate(ALL, XS)
    assert rasp.evaluate(ALL, XS) == [[True] * 4] * 4
