"""Laws of the language, checked on random programs and inputs with hypothesis."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracr.rasp import causal_eval, rasp

C = rasp.Comparison
PREFIX = rasp.Select(rasp.indices, rasp.indices, C.LEQ)

UNARY = [
    lambda x: x + 1,
    lambda x: (x * 2) % 5,
    lambda x: x // 2,
    lambda x: abs(x - 2),
    lambda x: x % 3,
    lambda x: -x,
]
MAYBE_NONE = [*UNARY, lambda x: None if x % 2 else x, lambda x: None]
BINARY = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    max,
    min,
    lambda x, y: (x * y) % 7,
]

inputs = st.lists(st.integers(0, 4), min_size=0, max_size=6)
# A decorator, not a loaded profile: a profile would change every other suite's settings too.
fast = settings(max_examples=100, deadline=None)


def _combine(op: str, a: rasp.Selector, b: rasp.Selector) -> rasp.Selector:
    if op == "and":
        return a & b
    return a | b if op == "or" else ~a


@st.composite
def programs(draw, causal_only: bool = False) -> rasp.SOp:
    """A random program of Maps, SequenceMaps, Selects, selector algebra and aggregations.

    Values stay numbers (no None) so every program evaluates without error. With
    ``causal_only`` every selector is ANDed with key <= query and ``length`` is not used, so
    the program never looks ahead.
    """
    sops: list[rasp.SOp] = [rasp.tokens, rasp.indices] + ([] if causal_only else [rasp.length])
    selectors: list[rasp.Selector] = []

    def pick(pool):
        return pool[draw(st.integers(0, len(pool) - 1))]

    def add_selector(selector):
        selectors.append(selector & PREFIX if causal_only else selector)

    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["map", "seqmap", "select", "combine", "aggregate", "width"]))
        if kind in ("combine", "aggregate", "width") and not selectors:
            kind = "select"
        if kind == "map":
            sops.append(rasp.Map(pick(UNARY), pick(sops)))
        elif kind == "seqmap":
            sops.append(rasp.SequenceMap(pick(BINARY), pick(sops), pick(sops)))
        elif kind == "select":
            add_selector(rasp.Select(pick(sops), pick(sops), draw(st.sampled_from(list(C)))))
        elif kind == "combine":
            op = draw(st.sampled_from(["and", "or", "not"]))
            a, b = pick(selectors), pick(selectors)
            add_selector(_combine(op, a, b))
        elif kind == "aggregate":
            agg = rasp.Aggregate(pick(selectors), pick(sops), default=0)
            sops.append(rasp.numerical(agg))
        else:
            sops.append(rasp.SelectorWidth(pick(selectors)))
    return sops[-1]


@st.composite
def selectors(draw) -> rasp.Selector:
    keys = draw(st.sampled_from([rasp.tokens, rasp.indices, rasp.tokens + 1]))
    queries = draw(st.sampled_from([rasp.tokens, rasp.indices, rasp.Full(2)]))
    return rasp.Select(keys, queries, draw(st.sampled_from(list(C))))


@fast
@given(st.sampled_from(MAYBE_NONE), st.sampled_from(MAYBE_NONE), inputs)
def test_fused_map_equals_two_maps_in_turn(f, g, xs):
    fused = rasp.Map(f, rasp.Map(g, rasp.tokens))
    separate = rasp.Map(f, rasp.Map(g, rasp.tokens), simplify=False)
    assert fused.inner is rasp.tokens
    assert separate.inner is not rasp.tokens
    assert fused(xs) == separate(xs)


@fast
@given(st.lists(st.sampled_from(MAYBE_NONE), min_size=1, max_size=6), inputs)
def test_fused_chain_equals_the_maps_in_turn(fs, xs):
    fused, separate = rasp.tokens, rasp.tokens
    for f in fs:
        fused = rasp.Map(f, fused)
        separate = rasp.Map(f, separate, simplify=False)
    assert fused(xs) == separate(xs)


@fast
@given(selectors(), inputs)
def test_double_negation(sel, xs):
    for evaluate in (rasp.evaluate, causal_eval.evaluate):
        assert evaluate(~~sel, xs) == evaluate(sel, xs)


@fast
@given(selectors(), selectors(), inputs)
def test_de_morgan(a, b, xs):
    for evaluate in (rasp.evaluate, causal_eval.evaluate):
        assert evaluate(~(a & b), xs) == evaluate(~a | ~b, xs)
        assert evaluate(~(a | b), xs) == evaluate(~a & ~b, xs)


@fast
@given(selectors(), inputs)
def test_selector_width_counts_the_row(sel, xs):
    matrix = sel(xs)
    assert rasp.SelectorWidth(sel)(xs) == [sum(row) for row in matrix]


@fast
@given(programs(), inputs)
def test_causal_evaluation_is_prefix_stable(program, xs):
    """Position q of a causal evaluation depends only on xs[:q + 1]."""
    full = causal_eval.evaluate(program, xs)
    for m in range(len(xs)):
        assert causal_eval.evaluate(program, xs[:m]) == full[:m]


@fast
@given(programs(causal_only=True), inputs)
def test_causal_programs_evaluate_the_same_in_both_modes(program, xs):
    full = rasp.evaluate(program, xs)
    assert causal_eval.evaluate(program, xs) == full
    for m in range(len(xs)):
        assert rasp.evaluate(program, xs[:m]) == full[:m]


@fast
@given(programs(), inputs)
def test_walk_visits_each_node_once_children_first(program, xs):
    order = rasp.topological_sort(program)
    position = {e.unique_id: i for i, e in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is program
    for expr in order:
        assert all(position[c.unique_id] < position[expr.unique_id] for c in expr.children)
    assert len(program(xs)) == len(xs)


@fast
@given(programs(), inputs)
def test_aggregate_with_identity_selector_returns_the_sop(program, xs):
    same = rasp.Select(rasp.indices, rasp.indices, C.EQ)
    values = program(xs)
    assert rasp.Aggregate(same, program)(xs) == values
    assert rasp.numerical(rasp.Aggregate(same, program))(xs) == values
