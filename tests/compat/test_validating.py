"""The reference's ``tracr.compiler.validating`` surface (SPEC 2b): lists of
``TracrUnsupportedExpr(expr, reason)``, empty for a program that compiles and runs."""

from __future__ import annotations

from tracr.compiler import lib, validating
from tracr.rasp import rasp

EQ = rasp.Comparison.EQ


def test_a_supported_program_has_no_problems():
    program = lib.make_reverse(rasp.tokens)
    assert validating.static_validate(program) == []
    assert validating.dynamic_validate(program, [1, 2, 3]) == []
    assert validating.validate(program, [1, 2, 3]) == []


def test_static_validate_names_the_expression_and_the_reason():
    bad = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, EQ), rasp.tokens))
    (problem,) = validating.static_validate(bad)
    assert isinstance(problem, validating.TracrUnsupportedExpr)
    assert problem.expr is bad
    assert "a numerical Aggregate of a categorical SOp" in problem.reason
    assert "rasp.numerical" in problem.reason  # what to write instead


def test_static_validate_uses_the_value_sets_when_given_a_vocab():
    # A numerical SOp that is None on the token 2: found once the value sets are known.
    program = rasp.numerical(rasp.Map(lambda x: None if x == 2 else x, rasp.tokens))
    assert validating.static_validate(program) == []  # no vocab: no values to check
    (problem,) = validating.static_validate(program, {1, 2}, 3)
    assert problem.expr is program
    assert problem.reason.startswith("this numerical SOp can be None")
    assert [p.expr for p in validating.validate(program, [1, 2])] == [program]


def test_dynamic_validate_reports_the_expression_the_evaluation_fails_on():
    sort = lib.make_sort_unique(rasp.tokens, rasp.tokens)
    assert validating.dynamic_validate(sort, [3, 1, 2]) == []
    (problem,) = validating.dynamic_validate(rasp.Map(lambda x: 1 // x, rasp.tokens), [1, 0])
    assert isinstance(problem.expr, rasp.Map)
    assert "ZeroDivisionError" in problem.reason and "on input (0)" in problem.reason
    (problem,) = validating.dynamic_validate(
        rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE), rasp.tokens),
        [1, 2],
    )
    assert isinstance(problem.expr, rasp.Aggregate)
    assert "cannot average the different values 1, 2" in problem.reason


def test_validate_is_static_then_dynamic():
    program = rasp.Map(lambda x: 1 // x, rasp.tokens)
    assert [type(p.expr) for p in validating.validate(program, [0])] == [rasp.Map]


def test_dynamic_validation_evaluator_records_instead_of_raising():
    evaluator = validating.DynamicValidationEvaluator()
    assert isinstance(evaluator, rasp.DefaultRASPEvaluator)
    assert evaluator.evaluate(rasp.tokens + 1, [1, 2]) == [2, 3]
    failing = rasp.Map(lambda x: 1 // x, rasp.tokens)
    assert evaluator.evaluate(rasp.SequenceMap(max, failing, rasp.tokens), [0]) is None
    (problem,) = evaluator.unsupported_exprs
    assert problem.expr is failing


def test_our_richer_input_check_is_kept_as_validate_inputs():
    every = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    program = rasp.Aggregate(every, rasp.tokens)  # defined only where all tokens are equal
    problems = validating.validate_inputs(program, [[1, 1], [1, 2], [3]])
    assert [p.input for p in problems] == [(1, 2)]
