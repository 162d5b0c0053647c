"""Operators on SOps and Selectors: which expression they build and what it computes."""

from __future__ import annotations

import operator

import pytest

from tracr.rasp import rasp

C = rasp.Comparison
XS = [3, 1, 4, 1, 5]
OTHER = rasp.Map(lambda x: x % 3 + 1, rasp.tokens)  # 1, 2, 2, 2, 3 — never zero

BINARY = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
    ("//", operator.floordiv),
    ("%", operator.mod),
    ("**", operator.pow),
    ("==", operator.eq),
    ("!=", operator.ne),
    ("<", operator.lt),
    ("<=", operator.le),
    (">", operator.gt),
    (">=", operator.ge),
]


@pytest.mark.parametrize(("symbol", "op"), BINARY)
def test_sop_with_constant_is_a_map(symbol, op):
    expr = op(rasp.tokens, 2)
    assert type(expr) is rasp.Map
    assert expr.inner is rasp.tokens
    assert expr(XS) == [op(x, 2) for x in XS]


ARITHMETIC = BINARY[:7]


@pytest.mark.parametrize(("symbol", "op"), ARITHMETIC)
def test_constant_with_sop_is_a_reflected_map(symbol, op):
    expr = op(2, OTHER)
    assert type(expr) is rasp.Map
    assert expr(XS) == [op(2, x) for x in OTHER(XS)]


@pytest.mark.parametrize(("symbol", "op"), [("<", operator.lt), (">=", operator.ge)])
def test_constant_on_the_left_of_a_comparison(symbol, op):
    assert op(2, rasp.tokens)(XS) == [op(2, x) for x in XS]


@pytest.mark.parametrize(("symbol", "op"), BINARY)
def test_sop_with_sop_is_a_sequence_map(symbol, op):
    expr = op(rasp.tokens, OTHER)
    assert type(expr) is rasp.SequenceMap  # not a LinearSequenceMap, even for + and -
    assert expr.fst is rasp.tokens and expr.snd is OTHER
    assert expr(XS) == [op(x, y) for x, y in zip(XS, OTHER(XS), strict=True)]


def test_unary_operators():
    assert (-rasp.tokens)(XS) == [-x for x in XS]
    assert abs(rasp.tokens - 3)(XS) == [abs(x - 3) for x in XS]
    assert (~(rasp.tokens == 1))(XS) == [x != 1 for x in XS]
    assert type(~rasp.tokens) is rasp.Map


def test_logical_operators_on_sops_give_bools():
    a = rasp.tokens > 2
    b = rasp.tokens < 5
    assert (a & b)(XS) == [True, False, True, False, False]
    assert (a | (rasp.tokens == 1))(XS) == [True, True, True, True, True]
    assert type(a & b) is rasp.SequenceMap
    # With ints the result is still a bool, not the last operand.
    assert (rasp.tokens & 2)(XS) == [True] * 5
    assert (0 | rasp.tokens)([0, 2]) == [False, True]
    assert (rasp.tokens & rasp.tokens)([0, 7]) == [False, True]
    assert (~rasp.tokens)([0, 7]) == [True, False]


def test_operator_results_are_categorical_with_default_names():
    expr = rasp.numerical(rasp.tokens) + 1
    assert expr.name == "map"
    assert rasp.is_categorical(expr)
    assert (rasp.tokens + rasp.indices).name == "sequence_map"


def test_selector_operators():
    lt = rasp.Select(rasp.indices, rasp.indices, C.LT)
    eq = rasp.Select(rasp.indices, rasp.indices, C.EQ)
    both, either, neither = lt & eq, lt | eq, ~lt
    assert type(both) is rasp.SelectorAnd and both.fst is lt and both.snd is eq
    assert type(either) is rasp.SelectorOr and either.fst is lt and either.snd is eq
    assert type(neither) is rasp.SelectorNot and neither.inner is lt
    leq = rasp.Select(rasp.indices, rasp.indices, C.LEQ)
    gt = rasp.Select(rasp.indices, rasp.indices, C.GT)
    xs = [0, 0, 0, 0]
    assert either(xs) == leq(xs)
    assert neither(xs) == rasp.Select(rasp.indices, rasp.indices, C.GEQ)(xs)
    assert both(xs) == rasp.Select(rasp.indices, rasp.indices, C.FALSE)(xs)
    assert (~leq)(xs) == gt(xs)


def test_operators_compose_into_programs():
    # The README example, built with operators only.
    length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, C.TRUE))
    opp_index = length - rasp.indices - 1
    flip = rasp.Select(rasp.indices, opp_index, C.EQ)
    reverse = rasp.Aggregate(flip, rasp.tokens)
    assert reverse([1, 2, 3]) == [3, 2, 1]
    assert reverse(["a", "b", "c", "d"]) == ["d", "c", "b", "a"]
