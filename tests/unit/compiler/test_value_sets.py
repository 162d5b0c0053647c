"""Value-set inference: complete sets, dropped inputs, unhashable values."""

import pytest

from tracr.compiler import basis_inference, compiling, rasp_to_graph, selectors
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp


def _info(program, vocab, n):
    graph = selectors.flatten_selectors(rasp_to_graph.trace(program))
    return basis_inference.infer_value_sets(graph, frozenset(vocab), n, False).info


def test_numerical_mean_of_bools_holds_every_fraction():
    bools = rasp.numerical(rasp.tokens == 1)
    frac = rasp.numerical(rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), bools, default=0))
    values = _info(frac, {1, 2}, 6)[frac.label].values
    assert {k / m for m in range(1, 7) for k in range(m + 1)} <= values
    assert 2 / 3 in values and 3 / 4 in values  # the reference dropped these


def test_raising_function_drops_inputs_with_a_warning():
    program = rasp.Map(lambda x: 10 // x, rasp.tokens).named("divide")
    with pytest.warns(basis_inference.ValueSetWarning, match="divide.*ZeroDivisionError"):
        info = _info(program, {0, 1, 2}, 3)
    assert info[program.label].values == {10, 5}


def test_unhashable_values_are_refused_naming_the_expression():
    program = rasp.Map(lambda x: [x], rasp.tokens).named("listify")
    with pytest.raises(UnsupportedExprError, match="listify.*not hashable.*tuple"):
        compiling.compile_rasp_to_model(program, {1, 2}, 3)
