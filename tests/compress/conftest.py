"""Tiny compiled models for the compression tests (each compiles in milliseconds)."""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib
from tracr.rasp import rasp


@pytest.fixture(scope="session")
def reverse_model():
    """Categorical output, two layers."""
    return compiling.compile_rasp_to_model(
        lib.make_reverse(rasp.tokens), {1, 2, 3}, 3, compiler_bos="BOS"
    )


@pytest.fixture(scope="session")
def frac_model():
    """Numerical output (frac_prevs), vocab {a, x}."""
    program = lib.make_frac_prevs(rasp.tokens == "x")
    return compiling.compile_rasp_to_model(program, {"a", "x"}, 3, compiler_bos="BOS")


@pytest.fixture(scope="session")
def causal_model():
    program = lib.make_frac_prevs(rasp.tokens == "x")
    return compiling.compile_rasp_to_model(program, {"a", "x"}, 3, causal=True, compiler_bos="BOS")
