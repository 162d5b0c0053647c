"""Every construct of the language, evaluated with the RASP evaluator."""

from __future__ import annotations

from typing import Any

import pytest

from tracr.frontend import load
from tracr.rasp import rasp


def run(source: str, name: str, xs: list[Any]) -> list[Any]:
    return rasp.evaluate(load(source)[name], xs)


def selection(source: str, xs: list[Any]) -> list[list[bool]]:
    """The selector matrix ``sel[query][key]`` of the variable ``s``."""
    return [[bool(v) for v in row] for row in rasp.evaluate(load(source)["s"], xs)]


@pytest.mark.parametrize(
    ("op", "holds"),
    [
        ("==", lambda k, q: k == q),
        ("!=", lambda k, q: k != q),
        ("<", lambda k, q: k < q),
        ("<=", lambda k, q: k <= q),
        (">", lambda k, q: k > q),
        (">=", lambda k, q: k >= q),
        ("true", lambda k, q: True),
        ("false", lambda k, q: False),
        ("True", lambda k, q: True),
    ],
)
def test_select_predicate_compares_key_to_query(op, holds):
    # keys are tokens, queries are indices: sel[q][k] = holds(tokens[k], indices[q]).
    xs = [2, 0, 1, 3]
    expected = [[holds(k, q) for k in xs] for q in range(len(xs))]
    assert selection(f"s = select(tokens, indices, {op})", xs) == expected


def test_select_lt_maps_onto_comparison_lt():
    s = load("s = select(tokens, indices, <)")["s"]
    assert s.predicate == rasp.Comparison.LT


def test_select_promotes_a_constant_to_a_full_sop():
    assert run("first = aggregate(select(indices, 0, ==), tokens)", "first", [7, 8, 9]) == [7] * 3


def test_aggregate_categorical_default_is_none():
    src = "a = aggregate(select(indices, indices - 1, ==), tokens)"
    assert run(src, "a", ["a", "b", "c"]) == [None, "a", "b"]


def test_aggregate_with_explicit_default():
    src = "a = aggregate(select(indices, indices - 1, ==), tokens, 0)"
    assert run(src, "a", [5, 6, 7]) == [0, 5, 6]


def test_aggregate_of_numerical_sop_is_numerical_mean_with_default_zero():
    names = load(
        """
        ones = indicator(tokens == 1)
        mean = aggregate(select(indices, indices, <), ones)
        """
    )
    assert rasp.is_numerical(names["ones"]) and rasp.is_numerical(names["mean"])
    assert rasp.evaluate(names["mean"], [1, 0, 1, 1]) == pytest.approx([0, 1, 0.5, 2 / 3])


def test_aggregate_of_categorical_sop_is_categorical():
    assert rasp.is_categorical(load("a = aggregate(select(indices, 0, ==), tokens)")["a"])


def test_selector_width():
    assert run("w = selector_width(select(tokens, tokens, <))", "w", [3, 1, 2, 1]) == [3, 0, 2, 0]


def test_length_tokens_indices():
    names = load("n = length + 0; i = indices + 0; t = tokens + 0")
    xs = [4, 4, 4, 4, 4]
    assert rasp.evaluate(names["n"], xs) == [5] * 5
    assert rasp.evaluate(names["i"], xs) == [0, 1, 2, 3, 4]
    assert rasp.evaluate(names["t"], xs) == xs


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("tokens + 1", [2, 3, 5]),
        ("1 - tokens", [0, -1, -3]),
        ("tokens * indices", [0, 2, 8]),
        ("tokens / 2", [0.5, 1.0, 2.0]),
        ("10 % tokens", [0, 0, 2]),
        ("tokens - indices", [1, 1, 2]),
        ("-tokens", [-1, -2, -4]),
        ("tokens == 2", [False, True, False]),
        ("tokens != indices + 1", [False, False, True]),
        ("2 < tokens", [False, False, True]),
        ("tokens >= 2", [False, True, True]),
        ("tokens in [1, 4]", [True, False, True]),
        ("not tokens == 2", [True, False, True]),
        ("tokens == 1 or tokens == 4", [True, False, True]),
        ("tokens > 1 and 1", [False, True, True]),
        ("abs(1 - tokens * 2)", [1, 3, 7]),
        ("round(tokens / 3)", [0, 1, 1]),
        ("indicator(tokens > 1)", [0, 1, 1]),
        ("tokens * 0 + (2 + 3) * 2", [10, 10, 10]),
    ],
)
def test_elementwise_operators(expr, expected):
    assert run(f"x = {expr}", "x", [1, 2, 4]) == expected


def test_string_membership():
    assert run('x = tokens in "ab"', "x", ["a", "c", "b"]) == [True, False, True]


def test_selector_and_or_not():
    xs = [1, 2, 1, 3]
    lt = [[k < q for k in xs] for q in xs]
    eq = [[k == q for k in xs] for q in xs]
    before = [[k < q for k in range(4)] for q in range(4)]
    src = "lt = select(tokens, tokens, <); eq = select(tokens, tokens, ==)\n"
    src += "i = select(indices, indices, <)\n"
    assert selection(src + "s = lt or eq and i", xs) == [
        [a or (b and c) for a, b, c in zip(r1, r2, r3, strict=True)]
        for r1, r2, r3 in zip(lt, eq, before, strict=True)
    ]
    assert selection(src + "s = not lt", xs) == [[not v for v in row] for row in lt]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('"big" if tokens > 1 else "small"', ["small", "big", "big"]),
        ("tokens if tokens > 1 else 0", [0, 2, 4]),
        ("0 if tokens > 1 else tokens", [1, 0, 0]),
        ("indices if tokens > 1 else tokens", [1, 1, 2]),
        ("tokens if true else indices", [1, 2, 4]),
        ("tokens if 0 else indices", [0, 1, 2]),
    ],
)
def test_conditional_expression(expr, expected):
    assert run(f"x = {expr}", "x", [1, 2, 4]) == expected


def test_constant_condition_evaluates_only_the_chosen_branch():
    assert run("x = tokens if true else undefined_name", "x", [1]) == [1]


def test_numerical_and_categorical_annotations():
    names = load("n = numerical(tokens + 0); c = categorical(n); m = n * 2; k = n > 1")
    assert rasp.is_numerical(names["n"]) and rasp.is_categorical(names["c"])
    assert rasp.is_numerical(names["m"]), "arithmetic keeps a numerical s-op numerical"
    assert rasp.is_categorical(names["k"]), "a comparison gives a categorical boolean"


def test_sum_of_numerical_sops_is_a_linear_sequence_map():
    names = load("a = numerical(tokens + 0); b = numerical(indices + 0); d = a - b; s = a + b")
    for name, expected in (("d", [3, 3, 3]), ("s", [3, 5, 7])):
        assert isinstance(names[name], rasp.LinearSequenceMap)
        assert rasp.is_numerical(names[name])
        assert rasp.evaluate(names[name], [3, 4, 5]) == expected


def test_constants_fold_at_load_time():
    names = load('x = tokens + (1 + 2) * 3 - len([1, 2]) + [5, 6][-1] + len("ab")')
    assert rasp.evaluate(names["x"], [0]) == [0 + 9 - 2 + 6 + 2]
