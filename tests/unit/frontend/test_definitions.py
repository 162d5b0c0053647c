"""Functions, loops, comprehensions, lists and how assignments name expressions."""

from __future__ import annotations

from collections import Counter

from tracr.frontend import load
from tracr.rasp import rasp


def test_function_is_inlined_at_each_call():
    names = load(
        """
        def hist(seq) {
            same = select(seq, seq, ==);
            return selector_width(same);
        }
        by_token = hist(tokens)
        by_parity = hist(tokens % 2)
        """
    )
    xs = [1, 2, 1, 3, 1]
    assert rasp.evaluate(names["by_token"], xs) == [Counter(xs)[x] for x in xs]
    parities = [x % 2 for x in xs]
    assert rasp.evaluate(names["by_parity"], xs) == [Counter(parities)[p] for p in parities]
    assert names["by_token"].name == "by_token"


def test_function_sees_globals_and_takes_predicates_and_functions():
    names = load(
        """
        offset = 1
        def shifted(sop, op) { return aggregate(select(indices, indices + offset, op), sop); }
        def twice(f, x) { return f(f(x, ==), ==); }
        back = shifted(tokens, ==)
        back2 = twice(shifted, tokens)
        """
    )
    assert rasp.evaluate(names["back"], [1, 2, 3]) == [2, 3, None]
    assert rasp.evaluate(names["back2"], [1, 2, 3]) == [3, None, None]


def test_recursion_with_a_constant_base_case_unrolls():
    names = load(
        """
        def shift(sop, n) {
            back = aggregate(select(indices, indices - 1, ==), sop);
            return sop if n == 0 else shift(back, n - 1);
        }
        s = shift(tokens, 2)
        """
    )
    assert rasp.evaluate(names["s"], [1, 2, 3, 4]) == [None, None, 1, 2]


def test_return_inside_a_loop_ends_the_call():
    names = load(
        """
        def first_nonzero(values) { for v in values { r = v; return r; } }
        x = tokens + first_nonzero([3, 4])
        """
    )
    assert rasp.evaluate(names["x"], [0]) == [3]


def test_nested_function_definitions_close_over_the_call():
    names = load(
        """
        def adder(n) { def add(x) { return x + n; } return add; }
        plus2 = adder(2)
        x = plus2(tokens)
        """
    )
    assert rasp.evaluate(names["x"], [1, 5]) == [3, 7]
    assert list(names) == ["x"], "functions are not RASP expressions"


def test_for_loop_unrolls_and_rebinds_at_top_level():
    names = load(
        """
        total = tokens * 0
        for k in range(1, 4) { total = total + (tokens == k) * k }
        """
    )
    assert rasp.evaluate(names["total"], [1, 2, 3, 4]) == [1, 2, 3, 0]
    assert list(names) == ["total"]


def test_for_loop_over_a_string_and_a_list_of_sops():
    names = load(
        """
        count = 0
        for c in "ab" { count = count + indicator(tokens == c) }
        for s in [tokens, indices] { last = s + 1 }
        """
    )
    assert rasp.evaluate(names["count"], ["a", "b", "c"]) == [1, 1, 0]
    assert rasp.evaluate(names["last"], [7, 7]) == [1, 2]
    assert "s" in names, "a loop variable bound to an s-op is a top-level name"


def test_list_comprehension_with_filter_and_indexing():
    names = load(
        """
        sops = [tokens + i for i in range(5) if i % 2 == 0]
        a = sops[1]
        b = sops[-1] + len(sops)
        """
    )
    assert rasp.evaluate(names["a"], [0]) == [2]
    assert rasp.evaluate(names["b"], [0]) == [7]


def test_comprehension_variable_does_not_leak():
    names = load("xs = [i for i in [1, 2]]\ni = tokens")
    assert rasp.evaluate(names["i"], [5]) == [5]


def test_assignment_names_the_expression():
    names = load("flip = select(indices, length - indices - 1, ==)\nrev = aggregate(flip, tokens)")
    assert names["flip"].name == "flip" and names["rev"].name == "rev"
    assert names["rev"].label.startswith("rev")


def test_alias_shares_the_node_and_primitives_keep_their_names():
    names = load("a = tokens + 1\nb = a\nt = tokens\nn = length\ni = indices")
    assert names["b"] is names["a"]
    assert names["t"] is rasp.tokens and names["i"] is rasp.indices
    assert names["n"] is rasp.length


def test_function_locals_give_way_to_the_top_level_name():
    names = load("def f(x) { y = x + 1; return y; }\nz = f(tokens)")
    assert names["z"].name == "z"
    assert rasp.evaluate(names["z"], [1]) == [2]


def test_load_keeps_definition_order_and_skips_constants():
    names = load("b = tokens; n = 3; a = indices; b = tokens + n; s = select(a, b, ==)")
    assert list(names) == ["b", "a", "s"]
