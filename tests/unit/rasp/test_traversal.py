"""Graph walks and evaluation of deep and diamond-shaped programs."""

from __future__ import annotations

import time

from tracr.rasp import causal_eval, rasp

C = rasp.Comparison


def _diamonds(count: int) -> rasp.SOp:
    """A chain of diamonds: each level reads the previous one along two paths."""
    sop = rasp.tokens
    for _ in range(count):
        left = rasp.Map(lambda x: x + 1, sop, simplify=False)
        right = rasp.Map(lambda x: x * 2, sop, simplify=False)
        sop = rasp.SequenceMap(lambda x, y: (x + y) % 1000, left, right)
    return sop


def test_children_come_before_parents_and_each_node_once():
    a = rasp.Map(lambda x: x, rasp.tokens)
    b = rasp.SequenceMap(lambda x, y: x, a, rasp.indices)
    sel = rasp.Select(a, b, C.EQ)
    top = rasp.Aggregate(sel, b)
    order = rasp.topological_sort(top)
    assert order[-1] is top
    assert len(order) == len({e.unique_id for e in order}) == 6
    position = {e.unique_id: i for i, e in enumerate(order)}
    for expr in order:
        for child in expr.children:
            assert position[child.unique_id] < position[expr.unique_id]
    assert [e.label for e in rasp.walk(top)] == [e.label for e in order]


def test_order_is_deterministic_and_follows_children_order():
    pair = rasp.SequenceMap(lambda x, y: x, rasp.indices, rasp.tokens)
    assert [e.label for e in rasp.topological_sort(pair)] == ["indices", "tokens", pair.label]


def test_expressions_sharing_a_name_are_both_visited():
    a = rasp.Map(lambda x: x + 1, rasp.tokens).named("same")
    b = rasp.Map(lambda x: x + 2, rasp.tokens).named("same")
    top = a + b
    names = [e.name for e in rasp.topological_sort(top)]
    assert names.count("same") == 2
    assert top([0]) == [3]


def test_a_selector_walk():
    sel = rasp.Select(rasp.tokens, rasp.tokens, C.EQ) & rasp.Select(
        rasp.indices, rasp.indices, C.LEQ
    )
    order = rasp.topological_sort(sel)
    assert order[-1] is sel
    assert sum(isinstance(e, rasp.Select) for e in order) == 2


def test_thirty_diamonds_walk_and_evaluate_fast():
    program = _diamonds(30)
    start = time.perf_counter()
    order = rasp.topological_sort(program)
    result = program([1, 2, 3])
    causal = causal_eval.evaluate(program, [1, 2, 3])
    elapsed = time.perf_counter() - start
    assert len(order) == 1 + 3 * 30
    assert result == causal
    expected = [1, 2, 3]
    for _ in range(30):
        expected = [((x + 1) + 2 * x) % 1000 for x in expected]
    assert result == expected
    assert elapsed < 1.0


def test_a_program_2000_deep():
    sop = rasp.tokens
    for _ in range(2000):
        sop = rasp.Map(lambda x: x + 1, sop, simplify=False)
    assert len(rasp.topological_sort(sop)) == 2001
    assert sop([0, 5]) == [2000, 2005]


def test_a_deep_chain_of_selectors_and_aggregates():
    sop = rasp.tokens
    prefix = rasp.Select(rasp.indices, rasp.indices, C.LEQ)
    for _ in range(2000):
        sop = rasp.numerical(rasp.Aggregate(prefix, sop, default=0))
    assert causal_eval.evaluate(sop, [1, 1]) == [1, 1]
    sel = prefix
    for _ in range(2000):
        sel = ~sel
    assert sel([0, 0]) == prefix([0, 0])


def test_fused_maps_are_deep_in_function_calls_but_not_in_the_graph():
    sop = rasp.tokens
    for _ in range(200):
        sop = rasp.Map(lambda x: x + 1, sop)
    assert sop.inner is rasp.tokens
    assert sop([0]) == [200]


def test_a_chain_of_2000_fused_maps():
    sop = rasp.tokens
    for _ in range(2000):
        sop = rasp.Map(lambda x: x + 1, sop)
    assert sop.inner is rasp.tokens
    assert sop([0, None]) == [2000, None]
