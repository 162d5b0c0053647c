"""Expressions: ids, names, labels, annotations, copies, children and attributes."""

from __future__ import annotations

import copy
import types

import pytest

from tracr.errors import RASPTypeError
from tracr.rasp import rasp

C = rasp.Comparison
SEL = rasp.Select(rasp.tokens, rasp.tokens, C.EQ)


def _examples() -> dict[str, rasp.RASPExpr]:
    """One expression of each kind, keyed by its default name."""
    return {
        "map": rasp.Map(lambda x: x, rasp.tokens),
        "sequence_map": rasp.SequenceMap(lambda x, y: x, rasp.tokens, rasp.indices),
        "linear_sequence_map": rasp.LinearSequenceMap(rasp.tokens, rasp.indices, 1, 2),
        "full": rasp.Full(1),
        "constant_sop": rasp.ConstantSOp([1, 2]),
        "select": rasp.Select(rasp.tokens, rasp.indices, C.EQ),
        "aggregate": rasp.Aggregate(SEL, rasp.tokens),
        "selector_width": rasp.SelectorWidth(SEL),
        "selector_and": rasp.SelectorAnd(SEL, SEL),
        "selector_or": rasp.SelectorOr(SEL, SEL),
        "selector_not": rasp.SelectorNot(SEL),
        "constant_selector": rasp.ConstantSelector([[True]]),
    }


@pytest.mark.parametrize("name", list(_examples()))
def test_default_name_and_label(name):
    expr = _examples()[name]
    assert expr.name == name
    assert expr.label == f"{name}_{expr.unique_id}"
    assert expr.annotations["name"] == name


@pytest.mark.parametrize(
    ("expr", "label"), [(rasp.tokens, "tokens"), (rasp.indices, "indices"), (rasp.length, "length")]
)
def test_primitives_have_fixed_labels(expr, label):
    assert expr.name == label
    assert expr.label == label
    assert expr.named("renamed").label == label  # the residual stream only knows one tokens
    assert expr.children == ()


def test_unique_ids_are_fresh_and_labels_distinct_for_equal_names():
    a = rasp.Map(lambda x: x, rasp.tokens).named("same")
    b = rasp.Map(lambda x: x, rasp.tokens).named("same")
    assert a.name == b.name == "same"
    assert a.unique_id != b.unique_id
    assert a.label != b.label
    assert a.label == f"same_{a.unique_id}"


def test_named_returns_a_copy_and_leaves_the_original_alone():
    original = rasp.Map(lambda x: x + 1, rasp.tokens)
    label = original.label
    renamed = original.named("plus_one")
    assert renamed is not original
    assert renamed.name == "plus_one"
    assert original.name == "map"
    assert original.label == label
    assert renamed.unique_id != original.unique_id
    assert renamed.f is original.f and renamed.inner is original.inner
    assert renamed([1, 2]) == original([1, 2]) == [2, 3]


def test_annotated_merges_and_copies():
    original = rasp.numerical(rasp.Map(lambda x: x, rasp.tokens))
    annotated = original.annotated(note="hello")
    assert dict(annotated.annotations) == {
        "name": "map",
        "encoding": rasp.Encoding.NUMERICAL,
        "note": "hello",
    }
    assert "note" not in original.annotations
    via_function = rasp.annotate(original, note="x")
    assert via_function.annotations["note"] == "x"
    assert via_function.unique_id not in (original.unique_id, annotated.unique_id)


def test_annotations_are_read_only():
    expr = rasp.Map(lambda x: x, rasp.tokens)
    assert isinstance(expr.annotations, types.MappingProxyType)
    with pytest.raises(TypeError):
        expr.annotations["name"] = "other"  # type: ignore[index]
    with pytest.raises(AttributeError):
        expr.annotations = {}  # type: ignore[misc]


def test_copy_gets_a_new_id():
    expr = rasp.Full(3)
    clone = copy.copy(expr)
    assert clone.unique_id != expr.unique_id
    assert clone.fill == 3


def test_encodings():
    sop = rasp.Map(lambda x: x, rasp.tokens)
    assert rasp.get_encoding(sop) is rasp.Encoding.CATEGORICAL
    assert rasp.is_categorical(sop) and not rasp.is_numerical(sop)
    num = rasp.numerical(sop)
    assert rasp.get_encoding(num) is rasp.Encoding.NUMERICAL
    assert rasp.is_numerical(num) and not rasp.is_categorical(num)
    assert rasp.is_categorical(rasp.categorical(num))
    assert rasp.is_categorical(sop)  # the original never changes
    assert not rasp.is_numerical(SEL) and not rasp.is_categorical(SEL)
    assert "encoding" not in SEL.annotations
    # A Map does not inherit its input's encoding.
    assert rasp.is_categorical(rasp.Map(lambda x: x, num))


@pytest.mark.parametrize("name", list(_examples()))
def test_children_order(name):
    expr = _examples()[name]
    expected = {
        "map": lambda e: (e.inner,),
        "sequence_map": lambda e: (e.fst, e.snd),
        "linear_sequence_map": lambda e: (e.fst, e.snd),
        "full": lambda e: (),
        "constant_sop": lambda e: (),
        "select": lambda e: (e.keys, e.queries),
        "aggregate": lambda e: (e.selector, e.sop),
        "selector_width": lambda e: (e.selector,),
        "selector_and": lambda e: (e.fst, e.snd),
        "selector_or": lambda e: (e.fst, e.snd),
        "selector_not": lambda e: (e.inner,),
        "constant_selector": lambda e: (),
    }[name](expr)
    assert isinstance(expr.children, tuple)
    assert len(expr.children) == len(expected)
    assert all(a is b for a, b in zip(expr.children, expected, strict=True))


def test_attributes_the_compiler_reads():
    sel = rasp.Select(rasp.tokens, rasp.indices, C.LT)
    assert sel.keys is rasp.tokens and sel.queries is rasp.indices and sel.predicate is C.LT
    agg = rasp.Aggregate(sel, rasp.indices, default=0)
    assert agg.selector is sel and agg.sop is rasp.indices and agg.default == 0
    assert rasp.Aggregate(sel, rasp.indices).default is None
    lsm = rasp.LinearSequenceMap(rasp.tokens, rasp.indices, 2, -3)
    assert isinstance(lsm, rasp.SequenceMap)
    assert (lsm.fst_fac, lsm.snd_fac) == (2, -3)
    assert lsm.f(10, 1) == 17
    assert rasp.ConstantSOp((1, 2)).value == [1, 2]
    assert rasp.ConstantSelector([[1, 0], [0, 1]]).value == [[True, False], [False, True]]


def test_expressions_hash_and_compare_by_identity():
    a, b = rasp.Full(1), rasp.Full(1)
    assert len({a, b, a}) == 2
    assert {a: 1, b: 2}[a] == 1
    s1, s2 = rasp.SelectorNot(SEL), rasp.SelectorNot(SEL)
    assert s1 != s2 and s1 == s1  # selectors do not overload ==


def test_sop_has_no_truth_value():
    sop = rasp.Map(lambda x: x, rasp.tokens)
    with pytest.raises(RASPTypeError, match=sop.label):
        bool(sop)
    with pytest.raises(TypeError, match="no truth value"):
        _ = sop in [rasp.tokens]


def test_repr_is_short_even_for_deep_programs():
    sop = rasp.tokens
    for _ in range(3000):
        sop = rasp.Map(lambda x: x, sop, simplify=False)
    assert repr(sop) == f"Map({sop.label!r})"
