"""Every error raised during evaluation: class, message contents, chaining."""

from __future__ import annotations

import pytest

from tracr.errors import EvaluationError, RASPTypeError
from tracr.rasp import causal_eval, rasp
from tracr.rasp.base import SOp

C = rasp.Comparison
ALL = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)


def _raise(message: str = "boom"):
    def f(*args):
        raise KeyError(message)

    return f


def test_input_must_be_a_sequence():
    with pytest.raises(RASPTypeError, match=r"evaluate Map .map_\d+.*list, a tuple or a str.*set"):
        rasp.evaluate(rasp.Map(abs, rasp.tokens), {1, 2})
    with pytest.raises(RASPTypeError, match="generator"):
        rasp.tokens(x for x in [1])


def test_expression_must_be_an_expression():
    with pytest.raises(RASPTypeError, match="evaluate: the expression.*int 3"):
        rasp.evaluate(3, [1])


def test_map_error_names_label_and_input_and_chains():
    expr = rasp.Map(_raise("oops"), rasp.tokens).named("bad_map")
    with pytest.raises(EvaluationError) as info:
        expr([1, 7])
    message = str(info.value)
    assert expr.label in message and "Map" in message
    assert "KeyError" in message and "oops" in message
    assert "(1)" in message  # the first input it failed on
    assert isinstance(info.value.__cause__, KeyError)


def test_sequence_map_error_names_both_inputs():
    expr = rasp.SequenceMap(lambda x, y: x / y, rasp.tokens, rasp.indices)
    with pytest.raises(
        EvaluationError, match=rf"{expr.label}.*ZeroDivisionError.*\(5, 0\)"
    ) as info:
        expr([5, 6])
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_operator_map_errors_too():
    expr = 1 / rasp.tokens
    with pytest.raises(EvaluationError, match=expr.label):
        expr([1, 0])


def test_error_inside_a_fused_map_names_the_fused_map():
    inner = rasp.Map(lambda x: x - 1, rasp.tokens)
    outer = rasp.Map(lambda x: 1 / x, inner)
    with pytest.raises(EvaluationError, match=rf"{outer.label}.*on input \(1\)"):
        outer([1])


def test_select_on_incomparable_values():
    expr = rasp.Select(rasp.tokens, rasp.indices, C.LT)
    with pytest.raises(EvaluationError) as info:
        expr(["a"])
    message = str(info.value)
    assert expr.label in message and "'a' < query 0" in message
    assert isinstance(info.value.__cause__, TypeError)


def test_categorical_aggregate_cannot_average():
    expr = rasp.Aggregate(ALL, rasp.tokens).named("pick")
    with pytest.raises(EvaluationError) as info:
        expr([1, 2, 1])
    message = str(info.value)
    assert expr.label in message
    assert "categorical Aggregate cannot average" in message
    assert "query position 0" in message
    assert "1, 2" in message
    assert "rasp.numerical" in message


def test_categorical_aggregate_none_and_value_conflict():
    with pytest.raises(EvaluationError, match="None, 1"):
        rasp.Aggregate(ALL, rasp.tokens)([None, 1])


def test_numerical_aggregate_of_none():
    expr = rasp.numerical(rasp.Aggregate(ALL, rasp.tokens))
    with pytest.raises(EvaluationError, match=rf"{expr.label}.*cannot average None.*position 0"):
        expr([1, None])


def test_numerical_aggregate_of_non_numbers():
    expr = rasp.numerical(rasp.Aggregate(ALL, rasp.tokens))
    with pytest.raises(
        EvaluationError, match=rf"{expr.label}.*cannot average \['a', 'b'\]"
    ) as info:
        expr(["a", "b"])
    assert isinstance(info.value.__cause__, TypeError)


def test_constant_sop_too_short():
    expr = rasp.ConstantSOp([1, 2])
    with pytest.raises(EvaluationError, match=rf"{expr.label}.*length 3.*only 2 values"):
        expr([0, 0, 0])


def test_constant_selector_too_small():
    expr = rasp.ConstantSelector([[True, True], [True, True]])
    with pytest.raises(EvaluationError, match=rf"{expr.label}.*length 3.*only 2 x 2"):
        expr([0, 0, 0])
    empty = rasp.ConstantSelector([])
    with pytest.raises(EvaluationError, match="only 0 x 0"):
        empty([0])


def test_unknown_expression_type():
    class Strange(SOp):
        default_name = "strange"

    expr = Strange()
    with pytest.raises(EvaluationError, match=rf"Strange '{expr.label}'.*no evaluation rule"):
        expr([1])


def test_errors_inside_a_causal_evaluation():
    expr = rasp.Map(_raise(), rasp.tokens)
    with pytest.raises(EvaluationError, match=expr.label):
        causal_eval.evaluate(expr, [1])
    with pytest.raises(RASPTypeError, match="a list, a tuple or a str"):
        causal_eval.evaluate(expr, {1})


def test_errors_are_value_errors_for_except_clauses():
    with pytest.raises(ValueError):
        rasp.Aggregate(ALL, rasp.tokens)([1, 2])


def test_callable_predicate_error_names_the_select_and_the_function():
    def picky(key, query):
        raise ValueError("nope")

    expr = rasp.Select(rasp.tokens, rasp.tokens, picky)
    with pytest.raises(EvaluationError, match=rf"{expr.label}.*key 1 picky query 1.*nope") as info:
        expr([1])
    assert isinstance(info.value.__cause__, ValueError)
