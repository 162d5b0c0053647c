"""Every error raised while building an expression: its class and what its message names."""

from __future__ import annotations

import pytest

from tracr.errors import RASPTypeError, RASPValueError, TracrError
from tracr.rasp import rasp

C = rasp.Comparison
SEL = rasp.Select(rasp.tokens, rasp.tokens, C.EQ)
SOP = rasp.Map(lambda x: x, rasp.tokens)


# (callable building the bad expression, error class, fragments its message must contain)
CASES = {
    "map non-callable": (lambda: rasp.Map(3, rasp.tokens), RASPTypeError, ["Map", "f", "int 3"]),
    "map on selector": (lambda: rasp.Map(abs, SEL), RASPTypeError, ["Map", "inner", SEL.label]),
    "map on list": (lambda: rasp.Map(abs, [1, 2]), RASPTypeError, ["Map", "inner", "list"]),
    "sequence_map f": (
        lambda: rasp.SequenceMap(None, rasp.tokens, rasp.tokens),
        RASPTypeError,
        ["SequenceMap", "f must be callable"],
    ),
    "sequence_map fst": (
        lambda: rasp.SequenceMap(max, SEL, rasp.tokens),
        RASPTypeError,
        ["SequenceMap", "fst", SEL.label],
    ),
    "sequence_map snd": (
        lambda: rasp.SequenceMap(max, rasp.tokens, 3),
        RASPTypeError,
        ["SequenceMap", "snd", "int 3"],
    ),
    "linear fst": (
        lambda: rasp.LinearSequenceMap(SEL, rasp.tokens, 1, 1),
        RASPTypeError,
        ["LinearSequenceMap", "fst", SEL.label],
    ),
    "linear factor": (
        lambda: rasp.LinearSequenceMap(rasp.tokens, rasp.tokens, "2", 1),
        RASPTypeError,
        ["LinearSequenceMap", "fst_fac", "number"],
    ),
    "linear bool factor": (
        lambda: rasp.LinearSequenceMap(rasp.tokens, rasp.tokens, 1, True),
        RASPTypeError,
        ["LinearSequenceMap", "snd_fac"],
    ),
    "full of sop": (lambda: rasp.Full(SOP), RASPTypeError, ["Full", "fill", SOP.label]),
    "constant_sop of int": (lambda: rasp.ConstantSOp(5), RASPTypeError, ["ConstantSOp", "int 5"]),
    "constant_sop of str": (
        lambda: rasp.ConstantSOp("abc"),
        RASPTypeError,
        ["ConstantSOp", "str 'abc'"],
    ),
    "constant_sop of sop": (
        lambda: rasp.ConstantSOp(SOP),
        RASPTypeError,
        ["ConstantSOp", SOP.label],
    ),
    "constant_sop holding sop": (
        lambda: rasp.ConstantSOp([1, SOP]),
        RASPTypeError,
        ["ConstantSOp", "constants", SOP.label],
    ),
    "select keys": (
        lambda: rasp.Select(SEL, rasp.tokens, C.EQ),
        RASPTypeError,
        ["Select", "keys", SEL.label],
    ),
    "select queries": (
        lambda: rasp.Select(rasp.tokens, [1], C.EQ),
        RASPTypeError,
        ["Select", "queries", "list"],
    ),
    "select predicate": (
        lambda: rasp.Select(rasp.tokens, rasp.tokens, "=="),
        RASPTypeError,
        ["Select", "predicate", "Comparison", "callable"],
    ),
    "aggregate selector": (
        lambda: rasp.Aggregate(SOP, rasp.tokens),
        RASPTypeError,
        ["Aggregate", "selector", SOP.label],
    ),
    "aggregate sop": (
        lambda: rasp.Aggregate(SEL, SEL),
        RASPTypeError,
        ["Aggregate", "sop", SEL.label],
    ),
    "aggregate default": (
        lambda: rasp.Aggregate(SEL, rasp.tokens, default=SOP),
        RASPTypeError,
        ["Aggregate", "default", SOP.label],
    ),
    "selector_width": (
        lambda: rasp.SelectorWidth(SOP),
        RASPTypeError,
        ["SelectorWidth", "selector", SOP.label],
    ),
    "selector_and": (
        lambda: rasp.SelectorAnd(SEL, SOP),
        RASPTypeError,
        ["SelectorAnd", "snd", SOP.label],
    ),
    "selector_or": (
        lambda: rasp.SelectorOr(1, SEL),
        RASPTypeError,
        ["SelectorOr", "fst", "int 1"],
    ),
    "selector_not": (lambda: rasp.SelectorNot(SOP), RASPTypeError, ["SelectorNot", SOP.label]),
    "constant_selector flat": (
        lambda: rasp.ConstantSelector(3),
        RASPTypeError,
        ["ConstantSelector", "int 3"],
    ),
    "constant_selector row": (
        lambda: rasp.ConstantSelector([True, False]),
        RASPTypeError,
        ["ConstantSelector", "row", "bool True"],
    ),
    "constant_selector entry": (
        lambda: rasp.ConstantSelector([["yes"]]),
        RASPValueError,
        ["ConstantSelector", "bools", "'yes'"],
    ),
    "constant_selector ragged": (
        lambda: rasp.ConstantSelector([[True], [True, False]]),
        RASPValueError,
        ["ConstantSelector", "same length", "[1, 2]"],
    ),
    "numerical selector": (lambda: rasp.numerical(SEL), RASPTypeError, ["numerical", SEL.label]),
    "categorical selector": (
        lambda: rasp.categorical(SEL),
        RASPTypeError,
        ["categorical", SEL.label],
    ),
    "get_encoding selector": (
        lambda: rasp.get_encoding(SEL),
        RASPTypeError,
        ["get_encoding", SEL.label],
    ),
    "annotate encoding on selector": (
        lambda: SEL.annotated(encoding=rasp.Encoding.NUMERICAL),
        RASPTypeError,
        [SEL.label, "only an SOp has an encoding"],
    ),
    "annotate bad encoding": (
        lambda: rasp.annotate(SOP, encoding="numerical"),
        RASPTypeError,
        [SOP.label, "rasp.Encoding.NUMERICAL"],
    ),
    "annotate non-expression": (
        lambda: rasp.annotate(3, name="x"),
        RASPTypeError,
        ["annotate", "int 3"],
    ),
    "named empty": (lambda: SOP.named(""), RASPValueError, [SOP.label, "non-empty string"]),
    "named non-string": (lambda: SOP.named(7), RASPValueError, [SOP.label, "int 7"]),
    "sop plus selector": (lambda: SOP + SEL, RASPTypeError, [SOP.label, "+", SEL.label]),
    "sop compared with selector": (lambda: SOP < SEL, RASPTypeError, [SOP.label, "<"]),
    "selector and sop": (lambda: SEL & SOP, RASPTypeError, [SEL.label, "&", SOP.label]),
    "selector or int": (lambda: SEL | 1, RASPTypeError, [SEL.label, "|", "int 1"]),
    "topological_sort non-expression": (
        lambda: rasp.topological_sort([1]),
        RASPTypeError,
        ["topological_sort", "list"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_construction_error_names_kind_and_argument(case):
    build, error, fragments = CASES[case]
    with pytest.raises(error) as info:
        build()
    assert isinstance(info.value, TracrError)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_type_errors_are_builtin_type_errors():
    with pytest.raises(TypeError):
        rasp.Map(3, rasp.tokens)
    with pytest.raises(ValueError):
        rasp.ConstantSelector([[True], []])


def test_failed_construction_leaves_arguments_alone():
    before = dict(SOP.annotations)
    with pytest.raises(RASPValueError):
        SOP.named("")
    assert dict(SOP.annotations) == before
