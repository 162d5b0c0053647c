"""Comparison: the (key, query) argument order, the None rule, the symbols."""

from __future__ import annotations

import pytest

from tracr.rasp import rasp

C = rasp.Comparison

# (member, key, query, expected): the predicate reads "key OP query".
CASES = [
    (C.EQ, 1, 1, True),
    (C.EQ, 1, 2, False),
    (C.NEQ, 1, 2, True),
    (C.NEQ, 2, 2, False),
    (C.LT, 1, 2, True),
    (C.LT, 2, 1, False),
    (C.LT, 2, 2, False),
    (C.LEQ, 2, 2, True),
    (C.LEQ, 1, 2, True),
    (C.LEQ, 3, 2, False),
    (C.GT, 2, 1, True),
    (C.GT, 1, 2, False),
    (C.GT, 2, 2, False),
    (C.GEQ, 2, 2, True),
    (C.GEQ, 3, 2, True),
    (C.GEQ, 1, 2, False),
    (C.TRUE, 1, 2, True),
    (C.FALSE, 1, 1, False),
]


@pytest.mark.parametrize(("member", "key", "query", "expected"), CASES)
def test_predicate_takes_key_then_query(member, key, query, expected):
    assert member(key, query) is expected


@pytest.mark.parametrize("member", [C.EQ, C.NEQ, C.LT, C.LEQ, C.GT, C.GEQ])
@pytest.mark.parametrize(("key", "query"), [(None, 1), (1, None), (None, None)])
def test_none_is_never_selected(member, key, query):
    assert member(key, query) is False


@pytest.mark.parametrize(("key", "query"), [(None, 1), (None, None), ("a", 3)])
def test_true_and_false_ignore_their_arguments(key, query):
    assert C.TRUE(key, query) is True
    assert C.FALSE(key, query) is False


def test_symbols_are_readable():
    symbols = {m: m.symbol for m in C}
    assert symbols == {
        C.EQ: "==",
        C.LT: "<",
        C.LEQ: "<=",
        C.GT: ">",
        C.GEQ: ">=",
        C.NEQ: "!=",
        C.TRUE: "true",
        C.FALSE: "false",
    }
    assert str(C.LT) == "Comparison.LT"


def test_incomparable_values_raise_type_error_directly():
    # Outside an evaluation the predicate is plain Python; evaluate wraps this (tested there).
    with pytest.raises(TypeError):
        C.LT("a", 1)


def test_select_predicate_order_in_evaluation():
    # keys are indices, queries are the constant 1: sel[q][k] = (k < 1).
    sel = rasp.Select(rasp.indices, rasp.Full(1), C.LT)
    assert rasp.evaluate(sel, [0, 0, 0]) == [[True, False, False]] * 3
    sel = rasp.Select(rasp.Full(1), rasp.indices, C.LT)  # now 1 < q
    assert rasp.evaluate(sel, [0, 0, 0]) == [[False] * 3, [False] * 3, [True] * 3]
