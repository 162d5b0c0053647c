"""The reference's ``tracr.rasp.rasp`` and ``causal_eval`` surface (SPEC 2b), as promises.

Each test is one thing code written for the reference relies on.
"""

from __future__ import annotations

import numpy as np
import pytest

from tracr.rasp import causal_eval, rasp

EQ, LT, TRUE = rasp.Comparison.EQ, rasp.Comparison.LT, rasp.Comparison.TRUE


def test_evaluate_accepts_a_str_one_token_per_character():
    assert rasp.evaluate(rasp.tokens, "abc") == ["a", "b", "c"]
    assert rasp.Map(str.upper, rasp.tokens)("hey") == ["H", "E", "Y"]
    assert rasp.evaluate(rasp.indices, "xyz") == [0, 1, 2]


def test_evaluate_accepts_any_sequence():
    assert rasp.evaluate(rasp.tokens + 1, range(3)) == [1, 2, 3]
    assert rasp.evaluate(rasp.tokens, (5, 6)) == [5, 6]
    assert rasp.evaluate(rasp.tokens * 2, np.array([1, 2])) == [2, 4]


def test_evaluate_refuses_unordered_inputs():
    for xs in ({1, 2}, {1: 2}, (x for x in [1]), b"ab", np.array([[1, 2]])):
        with pytest.raises(TypeError, match="the input must be a sequence of tokens"):
            rasp.evaluate(rasp.tokens, xs)


def test_default_evaluator_object_evaluates_like_evaluate():
    evaluator = rasp.DefaultRASPEvaluator()
    assert isinstance(evaluator, rasp.RASPEvaluator)
    flip = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ)
    assert evaluator.evaluate(rasp.SelectorWidth(flip), [7, 7, 7]) == [3, 2, 1]
    assert evaluator.evaluate(flip, [1, 2]) == [[True, True], [False, True]]  # [query][key]


def test_a_subclass_overriding_evaluate_sees_every_sub_expression():
    class Recorder(rasp.DefaultRASPEvaluator):
        def __init__(self):
            self.seen = {}

        def evaluate(self, expr, xs):
            value = super().evaluate(expr, xs)
            self.seen[expr.label] = value
            return value

    select = rasp.Select(rasp.tokens, rasp.tokens, LT).named("smaller")
    doubled = rasp.numerical(rasp.tokens * 2)
    program = rasp.numerical(rasp.Aggregate(select, doubled, default=0))
    recorder = Recorder()
    assert recorder.evaluate(program, [1, 3]) == [0, 2.0]
    assert recorder.seen == {
        "tokens": [1, 3],
        doubled.label: [2, 6],
        select.label: [[False, False], [True, False]],
        program.label: [0, 2.0],
    }
    causal = type("CausalRecorder", (Recorder, causal_eval.CausalEvaluator), {})()
    width = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, TRUE))
    assert causal.evaluate(width, [5, 5]) == [1, 2]


def test_causal_evaluator_masks_every_selector_to_the_prefix():
    evaluator = causal_eval.CausalEvaluator()
    assert isinstance(evaluator, rasp.DefaultRASPEvaluator)
    width = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, TRUE))
    assert evaluator.evaluate(width, [4, 4, 4]) == [1, 2, 3]
    assert rasp.DefaultRASPEvaluator().evaluate(width, [4, 4, 4]) == [3, 3, 3]


def test_selector_and_of_selects_on_the_same_sops_simplifies_to_one_select():
    a = rasp.Select(rasp.tokens, rasp.tokens, LT)
    b = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ)
    both = rasp.selector_and(a, b)
    assert isinstance(both, rasp.Select)
    assert both.keys is rasp.tokens and both.queries is rasp.tokens
    assert rasp.evaluate(both, [1, 3]) == [[False, False], [True, False]]
    kept = rasp.selector_and(a, b, simplify=False)
    assert isinstance(kept, rasp.SelectorAnd) and (kept.fst, kept.snd) == (a, b)
    assert rasp.evaluate(kept, [1, 3]) == rasp.evaluate(both, [1, 3])


def test_selector_or_and_not_simplify_the_same_way():
    a = rasp.Select(rasp.indices, rasp.indices, EQ)
    b = rasp.Select(rasp.indices, rasp.indices, LT)
    either = rasp.selector_or(a, b)
    assert isinstance(either, rasp.Select)
    assert rasp.evaluate(either, [0, 0]) == [[True, False], [True, True]]  # key <= query
    negated = rasp.selector_not(a)
    assert isinstance(negated, rasp.Select)
    assert rasp.evaluate(negated, [0, 0]) == [[False, True], [True, False]]
    assert isinstance(rasp.selector_not(a, simplify=False), rasp.SelectorNot)
    assert isinstance(rasp.selector_or(a, b, simplify=False), rasp.SelectorOr)


def test_selectors_over_different_sops_are_combined_not_simplified():
    a = rasp.Select(rasp.tokens, rasp.tokens, EQ)
    b = rasp.Select(rasp.indices, rasp.indices, LT)
    assert isinstance(rasp.selector_and(a, b), rasp.SelectorAnd)
    assert isinstance(rasp.selector_or(a, b), rasp.SelectorOr)
    assert isinstance(rasp.selector_not(rasp.selector_and(a, b)), rasp.SelectorNot)
    assert rasp.evaluate(rasp.selector_and(a, b), [1, 1]) == [[False, False], [True, False]]


def test_sop_not_is_the_logical_not_of_each_value():
    assert rasp.evaluate(rasp.sop_not(rasp.tokens), [0, 1, True, ""]) == [True, False, False, True]
    assert isinstance(rasp.sop_not(rasp.tokens), rasp.Map)
    with pytest.raises(TypeError, match="sop_not: the argument must be an SOp"):
        rasp.sop_not(rasp.Select(rasp.tokens, rasp.tokens, EQ))


def test_annotate_returns_a_copy_with_the_annotations_added():
    sop = rasp.Map(abs, rasp.tokens)
    marked = rasp.annotate(sop, encoding=rasp.Encoding.NUMERICAL, note="mine")
    assert rasp.is_numerical(marked) and not rasp.is_categorical(marked)
    assert marked.annotations["note"] == "mine"
    assert rasp.is_categorical(sop) and "note" not in sop.annotations  # original unchanged
    assert rasp.get_encoding(marked) is rasp.Encoding.NUMERICAL
    assert marked.f is sop.f and marked.inner is sop.inner


def test_copy_is_a_new_expression_with_a_new_id():
    sop = rasp.Map(abs, rasp.tokens).named("absolute")
    twin = sop.copy()
    assert type(twin) is rasp.Map and twin is not sop
    assert twin.unique_id != sop.unique_id and twin.label != sop.label
    assert twin.name == "absolute" and twin.f is sop.f


def test_default_name_and_encoding_are_the_default_annotators():
    assert set(rasp.DEFAULT_ANNOTATORS) >= {"name", "encoding"}
    sop = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, EQ), rasp.tokens)
    assert rasp.default_name(sop) == "aggregate" == sop.name
    assert rasp.default_name(rasp.Map(abs, sop)) == "map"
    assert rasp.default_name(rasp.Select(rasp.tokens, rasp.tokens, EQ)) == "select"
    assert rasp.default_encoding(sop) is rasp.Encoding.CATEGORICAL
    assert rasp.DEFAULT_ANNOTATORS["name"](sop) == "aggregate"
    # Each expression's label is its name and its unique id (SPEC section 3).
    assert sop.label == f"aggregate_{sop.unique_id}"


def test_default_encoding_refuses_a_selector():
    select = rasp.Select(rasp.tokens, rasp.tokens, EQ)
    with pytest.raises(TypeError, match="default_encoding: only an SOp has an encoding"):
        rasp.default_encoding(select)
    assert "encoding" not in select.annotations
    assert not rasp.is_numerical(select) and not rasp.is_categorical(select)


def test_default_name_refuses_a_non_expression():
    with pytest.raises(TypeError, match="default_name: the argument must be a RASP expression"):
        rasp.default_name(3)


def test_a_registered_annotator_annotates_new_expressions(monkeypatch):
    def author(expr: rasp.RASPExpr) -> str:
        return f"made {type(expr).__name__}"

    monkeypatch.setitem(rasp.DEFAULT_ANNOTATORS, "author", author)
    assert rasp.Map(abs, rasp.tokens).annotations["author"] == "made Map"
    select = rasp.Select(rasp.tokens, rasp.tokens, EQ)
    assert select.annotations["author"] == "made Select"
    assert rasp.annotate(select, author="me").annotations["author"] == "me"


def test_value_type_aliases_exist():
    assert rasp.NumericValue == int | float
    assert rasp.SelectorValue == list[list[bool]]
    assert rasp.Value is not None and rasp.SOpValue is not None


def test_simplified_and_unsimplified_selectors_compile_to_what_they_evaluate_to():
    import itertools

    from tracr.compiler.compiling import compile_rasp_to_model

    a = rasp.Select(rasp.tokens, rasp.tokens, LT)
    b = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ)
    for simplify in (True, False):
        sel = rasp.selector_or(rasp.selector_not(a, simplify), b, simplify)
        program = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.tokens - 1), default=0))
        model = compile_rasp_to_model(program, {1, 2, 3}, max_seq_len=3)
        for n in (1, 2, 3):
            for xs in itertools.product([1, 2, 3], repeat=n):
                got = model.apply(["compiler_bos", *xs]).decoded[1:]
                assert got == pytest.approx(program(list(xs)), abs=1e-6), (simplify, xs)
