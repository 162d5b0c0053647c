"""The reference's ``tracr.utils.errors`` and ``tracr.compiler.lib.length`` (SPEC 2b)."""

from __future__ import annotations

import logging

from tracr.compiler import lib
from tracr.compiler.compiling import compile_rasp_to_model
from tracr.rasp import rasp
from tracr.utils.errors import ignoring_arithmetic_errors


def test_ignoring_arithmetic_errors_returns_none_and_logs_a_warning(caplog):
    @ignoring_arithmetic_errors
    def inverse(x):
        return 1 / x

    assert inverse(4) == 0.25
    with caplog.at_level(logging.WARNING, logger="tracr.utils.errors"):
        assert inverse(0) is None
    assert "inverse raised ZeroDivisionError on (0,)" in caplog.text
    assert inverse.__name__ == "inverse"


def test_other_errors_still_raise():
    @ignoring_arithmetic_errors
    def lookup(x):
        return {1: "a"}[x]

    try:
        lookup(2)
    except KeyError:
        pass
    else:
        raise AssertionError("a KeyError is not an ArithmeticError and must propagate")


def test_a_wrapped_map_gives_none_where_it_would_raise():
    program = rasp.Map(ignoring_arithmetic_errors(lambda x: 6 // x), rasp.tokens)
    assert program([1, 0, 3]) == [6, None, 2]


def test_lib_length_is_the_length_sop():
    assert isinstance(lib.length, rasp.SOp)
    assert lib.length([4, 4, 4, 4]) == [4, 4, 4, 4]
    model = compile_rasp_to_model(lib.length, {1, 2}, max_seq_len=4)
    assert model.apply(["compiler_bos", 2, 1, 1]).decoded[1:] == [3, 3, 3]
