"""Validation: every problem at once, keyed by identity, each naming label, name, reason, fix.

Static validation (``compile_rasp_to_model`` refusing with ``UnsupportedExprError``) and
dynamic validation (``validating.validate_inputs`` running the evaluator on inputs).
"""

from __future__ import annotations

import re

import pytest

from tracr.compiler import basis_inference, compiling, lib, rasp_to_graph, selectors, validating
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

C = rasp.Comparison
# "<kind> '<label>' (name '<name>'): <reason>; <fix>"
PROBLEM = re.compile(r"^(?P<kind>\w+) '(?P<label>[^']+)' \(name '(?P<name>[^']+)'\): "
                     r"(?P<reason>.+?); (?P<fix>.+)$")


def _refusal(program: rasp.SOp, vocab=frozenset({1, 2, 3}), max_seq_len: int = 4):
    with pytest.raises(UnsupportedExprError) as info:
        compiling.compile_rasp_to_model(program, vocab, max_seq_len)
    return info.value


def _parsed(error: UnsupportedExprError) -> list[dict]:
    out = []
    for problem in error.problems:
        match = PROBLEM.match(problem)
        assert match, f"problem line not in 'kind label (name): reason; fix' form: {problem!r}"
        out.append(match.groupdict())
    return out


def _three_problems() -> tuple[rasp.SOp, list[rasp.SOp]]:
    everyone = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)
    bad_default = rasp.Aggregate(everyone, rasp.numerical(rasp.tokens + 0)).named("bad_default")
    cat_mean = rasp.numerical(rasp.Aggregate(everyone, rasp.tokens, default=0)).named("cat_mean")
    short = rasp.ConstantSOp([1, 2]).named("short")
    big = rasp.Map(lambda x: x > 1.5, cat_mean)  # categorical: fine on its own
    both = rasp.SequenceMap(lambda x, y: x, bad_default, big)
    return rasp.SequenceMap(lambda x, y: x, both, short), [bad_default, cat_mean, short]


def test_every_problem_is_reported_at_once():
    program, culprits = _three_problems()
    problems = _parsed(_refusal(program))
    assert [p["label"] for p in problems] == [c.label for c in culprits]
    assert [p["name"] for p in problems] == ["bad_default", "cat_mean", "short"]
    for p in problems:
        assert p["reason"] and p["fix"]


def test_the_message_lists_one_problem_per_line():
    program, culprits = _three_problems()
    error = _refusal(program)
    lines = str(error).splitlines()
    assert lines[0] == "cannot compile 3 expression(s):"
    for line, culprit in zip(lines[1:], culprits, strict=True):
        assert line.startswith("  - ") and f"'{culprit.label}'" in line


@pytest.mark.parametrize(
    ("make", "reason", "fix"),
    [
        (lambda: rasp.numerical(rasp.tokens), "numerical tokens", "categorical tokens"),
        (lambda: rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, C.LT),
                                               rasp.numerical(rasp.tokens + 0))),
         "select nothing", "default=0"),
        (lambda: rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, C.LT),
                                               rasp.numerical(rasp.tokens + 0), default="2")),
         "numerical default '2' is not a finite number", "finite number"),
        (lambda: rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, C.TRUE),
                                rasp.numerical(rasp.tokens + 0)),
         "categorical Aggregate of a numerical SOp", "rasp.numerical"),
        (lambda: rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, C.TRUE),
                                               rasp.tokens, default=0)),
         "numerical Aggregate of a categorical SOp", "rasp.numerical"),
        (lambda: rasp.SelectorWidth(rasp.Select(rasp.numerical(rasp.tokens + 0), rasp.tokens,
                                                C.EQ)), "is numerical", "rasp.categorical"),
        (lambda: rasp.SequenceMap(lambda x, y: (x, y), rasp.numerical(rasp.Map(str, rasp.tokens)),
                                  rasp.tokens), "holds non-numbers", "categorical"),
        (lambda: rasp.ConstantSOp([1, 2]), "fewer than max_seq_len", "one value per position"),
        (lambda: rasp.numerical(rasp.Map(lambda x: None if x == 1 else x, rasp.tokens)),
         "can be None", "never give None"),
        (lambda: rasp.numerical(rasp.Map(lambda x: str(x), rasp.tokens)), "non-numeric",
         "categorical"),
        (lambda: rasp.numerical(rasp.Map(lambda x: x + 1, rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, C.LT), rasp.tokens))),
         "can be None", "keep this Map categorical"),
    ],
    ids=["numerical_tokens", "numerical_default_none",
         "numerical_default_other", "categorical_of_numerical", "numerical_of_categorical",
         "numerical_select", "numerical_sequence_map", "short_constant", "numerical_none",
         "numerical_non_number", "numerical_map_of_none"],
)
def test_each_refusal_names_the_expression_its_reason_and_a_fix(make, reason, fix):
    program = make()
    problems = _parsed(_refusal(program))
    labels = {e.label for e in rasp.topological_sort(program)} | {"tokens"}
    assert any(reason in p["reason"] and fix in p["fix"] for p in problems), problems
    assert all(p["label"] in labels for p in problems)


def test_problems_are_keyed_by_identity_not_name():
    # Two different expressions with one name: both are reported, each with its own label.
    some = rasp.Select(rasp.tokens, rasp.indices, C.LT)
    values = rasp.numerical(rasp.tokens + 0)
    first = rasp.Aggregate(some, values).named("same")  # categorical of numerical: refused
    second = rasp.Aggregate(some, rasp.numerical(values + 1)).named("same")
    program = rasp.SequenceMap(lambda x, y: (x, y), first, second)
    problems = _parsed(_refusal(program))
    assert {p["label"] for p in problems} == {first.label, second.label}
    assert [p["name"] for p in problems] == ["same", "same"]


def test_one_expression_used_twice_is_reported_once():
    some = rasp.Select(rasp.tokens, rasp.indices, C.LT)
    bad = rasp.Aggregate(some, rasp.numerical(rasp.tokens + 0))
    program = rasp.SequenceMap(lambda x, y: (x, y), bad, bad + 1)
    assert [p["label"] for p in _parsed(_refusal(program))] == [bad.label]


def test_refusal_is_a_not_implemented_error_and_carries_the_list():
    program, _ = _three_problems()
    with pytest.raises(NotImplementedError) as info:
        compiling.compile_rasp_to_model(program, {1, 2, 3}, 4)
    assert len(info.value.problems) == 3


def test_static_problems_is_empty_for_a_valid_program():
    graph = selectors.flatten_selectors(rasp_to_graph.trace(lib.make_hist()))
    agraph = basis_inference.infer_value_sets(graph, frozenset({1, 2}), 3, causal=False)
    assert validating.static_problems(agraph) == []


# Dynamic validation ---------------------------------------------------------------------------


def test_validate_reports_inputs_the_evaluator_rejects():
    everyone = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)
    program = rasp.Aggregate(everyone, rasp.tokens)  # unique only when all tokens are equal
    problems = validating.validate_inputs(program, [[1, 1], [1, 2], [3], [2, 3, 2]])
    assert [p.input for p in problems] == [(1, 2), (2, 3, 2)]
    assert "cannot average the different values" in problems[0].message
    assert str(problems[0]).startswith("input [1, 2]: ")


def test_validate_reports_a_function_raising():
    program = rasp.Map(lambda x: 10 // x, rasp.tokens).named("tenth")
    problems = validating.validate_inputs(program, [[1, 2], [0, 1]])
    assert [p.input for p in problems] == [(0, 1)]
    assert "tenth" in problems[0].message and "ZeroDivisionError" in problems[0].message


def test_validate_is_empty_on_the_programs_domain():
    assert validating.validate_inputs(rasp.tokens + 1, [[1], [2, 3]]) == []


def test_validate_causal_uses_the_causal_evaluator():
    # Each query averages the tokens at and after it: different values fail in full, but the
    # causal evaluator lets a query see only itself.
    ahead = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, C.GEQ), rasp.tokens)
    assert [p.input for p in validating.validate_inputs(ahead, [[1, 2], [3, 3]])] == [(1, 2)]
    assert validating.validate_inputs(ahead, [[1, 2], [3, 3]], causal=True) == []
