"""The evaluator: every primitive, None propagation, Aggregate rules, selectors, Map fusion."""

from __future__ import annotations

import pytest

from tracr.rasp import rasp

C = rasp.Comparison
ALL = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)
NONE = rasp.Select(rasp.tokens, rasp.tokens, C.FALSE)
SAME_INDEX = rasp.Select(rasp.indices, rasp.indices, C.EQ)
PREFIX = rasp.Select(rasp.indices, rasp.indices, C.LEQ)


def test_primitives():
    xs = ["a", "b", "c"]
    assert rasp.evaluate(rasp.tokens, xs) == xs
    assert rasp.evaluate(rasp.indices, xs) == [0, 1, 2]
    assert rasp.evaluate(rasp.length, xs) == [3, 3, 3]
    assert rasp.tokens(tuple(xs)) == xs  # a tuple is accepted, a list comes back


def test_empty_input():
    assert rasp.tokens([]) == []
    assert rasp.length([]) == []
    assert ALL([]) == []
    assert rasp.Aggregate(ALL, rasp.tokens)([]) == []
    assert rasp.ConstantSOp([1, 2])([]) == []


def test_map_and_sequence_map():
    assert rasp.Map(lambda x: x * 10, rasp.tokens)([1, 2]) == [10, 20]
    assert rasp.SequenceMap(lambda x, y: (x, y), rasp.tokens, rasp.indices)(["a", "b"]) == [
        ("a", 0),
        ("b", 1),
    ]
    assert rasp.LinearSequenceMap(rasp.tokens, rasp.indices, 2, -1)([5, 5, 5]) == [10, 9, 8]
    same = rasp.SequenceMap(lambda x, y: x * y, rasp.tokens, rasp.tokens)
    assert same([2, 3]) == [4, 9]


def test_none_propagates_and_f_is_never_called_on_none():
    calls = []

    def record(x):
        calls.append(x)
        return x

    assert rasp.Map(record, rasp.tokens)([1, None, 2]) == [1, None, 2]
    assert calls == [1, 2]
    pair = rasp.SequenceMap(lambda x, y: x + y, rasp.tokens, rasp.Map(lambda x: None, rasp.tokens))
    assert pair([1, 2]) == [None, None]
    assert rasp.SequenceMap(lambda x, y: x + y, rasp.tokens, rasp.indices)([None, 5]) == [None, 6]


def test_a_map_may_return_none():
    half = rasp.Map(lambda x: x // 2 if x % 2 == 0 else None, rasp.tokens)
    assert half([2, 3, 4]) == [1, None, 2]


def test_full_and_constant_sop():
    assert rasp.Full("x")([1, 2, 3]) == ["x", "x", "x"]
    assert rasp.ConstantSOp([7, 8, 9])([0, 0]) == [7, 8]
    assert rasp.ConstantSOp([7, 8], check_length=False)([0, 0, 0]) == [7, 8, None]


def test_select_and_constant_selector():
    sel = rasp.Select(rasp.tokens, rasp.tokens, C.LT)
    assert sel([1, 2, 3]) == [[False, False, False], [True, False, False], [True, True, False]]
    const = rasp.ConstantSelector([[1, 0, 1], [0, 1, 0], [1, 1, 1]])
    assert const([0, 0]) == [[True, False], [False, True]]
    loose = rasp.ConstantSelector([[True]], check_length=False)
    assert loose([0, 0]) == [[True, False], [False, False]]


def test_selector_combinators():
    lt = rasp.Select(rasp.indices, rasp.indices, C.LT)
    gt = rasp.Select(rasp.indices, rasp.indices, C.GT)
    xs = [0, 0, 0]
    assert rasp.SelectorOr(lt, gt)(xs) == rasp.Select(rasp.indices, rasp.indices, C.NEQ)(xs)
    assert rasp.SelectorAnd(lt, gt)(xs) == NONE(xs)
    assert rasp.SelectorNot(SAME_INDEX)(xs) == rasp.SelectorOr(lt, gt)(xs)


def test_selector_width():
    assert rasp.SelectorWidth(ALL)([5, 5, 5]) == [3, 3, 3]
    assert rasp.SelectorWidth(PREFIX)([5, 5, 5]) == [1, 2, 3]
    assert rasp.SelectorWidth(NONE)([5, 5]) == [0, 0]
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, C.EQ))
    assert hist(["a", "b", "a", "c", "a"]) == [3, 1, 3, 1, 3]


def test_categorical_aggregate_of_a_unique_value():
    assert rasp.Aggregate(SAME_INDEX, rasp.tokens)(["a", "b"]) == ["a", "b"]
    # Several selected keys holding the same value are fine.
    assert rasp.Aggregate(ALL, rasp.tokens)(["z", "z", "z"]) == ["z", "z", "z"]
    # None is a value like any other.
    assert rasp.Aggregate(ALL, rasp.tokens)([None, None]) == [None, None]


def test_aggregate_default_when_nothing_is_selected():
    assert rasp.Aggregate(NONE, rasp.tokens)([1, 2]) == [None, None]
    assert rasp.Aggregate(NONE, rasp.tokens, default=0)([1, 2]) == [0, 0]
    num = rasp.numerical(rasp.Aggregate(NONE, rasp.tokens, default=-1))
    assert num([1, 2]) == [-1, -1]


def test_numerical_aggregate_is_the_mean():
    frac = rasp.numerical(rasp.Aggregate(PREFIX, rasp.numerical(rasp.tokens), default=0))
    assert frac([1, 0, 1, 1]) == [1, 0.5, 2 / 3, 0.75]
    bools = rasp.numerical(rasp.Aggregate(PREFIX, rasp.tokens == 1, default=0))
    assert bools([1, 2, 1]) == [1, 0.5, 2 / 3]
    # The sop's own encoding does not matter: the Aggregate's does.
    assert rasp.numerical(rasp.Aggregate(ALL, rasp.tokens))([1, 2]) == [1.5, 1.5]


def test_map_fusion():
    inner = rasp.Map(lambda x: x + 1, rasp.tokens)
    outer = rasp.Map(lambda x: x * 10, inner)
    assert outer.inner is rasp.tokens
    assert outer([1, 2]) == [20, 30]
    assert inner([1, 2]) == [2, 3]  # the inner Map is untouched and still usable
    three = rasp.Map(lambda x: x - 1, outer)
    assert three.inner is rasp.tokens and three([1]) == [19]


def test_map_fusion_keeps_the_none_rule_between_steps():
    calls = []

    def outer_f(x):
        calls.append(x)
        return 0

    inner = rasp.Map(lambda x: None if x == 2 else x, rasp.tokens)
    fused = rasp.Map(outer_f, inner)
    assert fused.inner is rasp.tokens
    assert fused([1, 2, None]) == [0, None, None]
    assert calls == [1]


def test_map_without_simplify_keeps_both_maps():
    inner = rasp.Map(lambda x: x + 1, rasp.tokens)
    outer = rasp.Map(lambda x: x * 10, inner, simplify=False)
    assert outer.inner is inner
    assert outer.children == (inner,)
    assert outer([1, 2]) == [20, 30]


def test_map_over_a_sequence_map_is_not_fused():
    pair = rasp.tokens + rasp.indices
    assert rasp.Map(lambda x: x, pair).inner is pair


def test_named_map_is_still_fused_into_its_consumer():
    inner = rasp.numerical(rasp.Map(lambda x: x + 1, rasp.tokens)).named("plus")
    assert rasp.Map(lambda x: x * 2, inner).inner is rasp.tokens


def test_each_node_is_evaluated_once_per_call():
    calls = []

    def count(x):
        calls.append(x)
        return x

    shared = rasp.Map(count, rasp.tokens)
    # (shared * 2 would be a fused Map that calls count itself, so it is not used here.)
    program = shared + shared + rasp.Map(lambda x: x, shared, simplify=False)
    assert program([1, 2]) == [3, 6]
    assert calls == [1, 2]


@pytest.mark.parametrize("xs", [[], [1], [1, 2, 3, 4, 5, 6]])
def test_evaluate_does_not_mutate_or_alias_the_input(xs):
    before = list(xs)
    out = rasp.tokens(xs)
    out.append("extra")
    assert xs == before


def test_select_with_a_callable_predicate():
    # The reference's library passes lambdas (key, query) -> bool; the None rule still holds.
    calls = []

    def one_before(key, query):
        calls.append((key, query))
        return key == query - 1

    sel = rasp.Select(rasp.indices, rasp.indices, one_before)
    assert sel.predicate is one_before
    assert sel([0, 0, 0]) == [[False] * 3, [True, False, False], [False, True, False]]
    maybe = rasp.Map(lambda x: None if x == 0 else x, rasp.tokens)
    calls.clear()
    assert rasp.Select(maybe, maybe, one_before)([0, 2]) == [[False, False], [False, False]]
    assert calls == [(2, 2)]
    truthy = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k * q)
    assert truthy([0, 3]) == [[False, False], [False, True]]
