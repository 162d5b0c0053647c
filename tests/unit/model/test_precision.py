"""Comparing and printing numerical outputs at the precision the compiler guarantees."""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib
from tracr.model import ATOL, format_value, outputs_equal, same_value
from tracr.rasp import rasp


def test_a_numerical_output_is_not_rounded_but_compares_at_the_tolerance():
    model = compiling.compile_rasp_to_model(lib.make_frac_prevs(rasp.tokens == 1), {0, 1}, 5)
    xs = [1, 0, 0, 1, 1]
    got = model.apply([model.input_encoder.bos_token, *xs]).decoded
    want = [model.input_encoder.bos_token, *rasp.evaluate(lib.make_frac_prevs(rasp.tokens == 1),
                                                          xs)]
    assert outputs_equal(got, want)
    assert [format_value(v) for v in got[1:]] == ["1", "0.5", "0.33333", "0.5", "0.6"]


@pytest.mark.parametrize(("got", "want", "same"), [
    (0.5 + 0.9 * ATOL, 0.5, True),
    (0.5 + 1.1 * ATOL, 0.5, False),
    (1, 1.0, True),
    (True, 1, True),        # not numbers: compared with ==, as Python does
    ("1", 1, False),        # a token is not a number
    (None, 0.0, False),
])
def test_same_value(got, want, same):
    assert same_value(got, want) is same


def test_outputs_of_different_lengths_differ():
    assert not outputs_equal([1, 2], [1, 2, 3])


@pytest.mark.parametrize(("value", "atol", "text"), [
    (2 / 3, 1e-5, "0.66667"),
    (2 / 3, 1e-2, "0.67"),
    (-0.25, 1e-5, "-0.25"),
    (-4e-7, 1e-5, "0"),
    (12.0, 1e-5, "12"),
    (float("nan"), 1e-5, "nan"),
    (3, 1e-5, "3"),
])
def test_format_value(value, atol, text):
    assert format_value(value, atol) == text
