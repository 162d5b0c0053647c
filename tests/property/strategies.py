"""Hypothesis strategies for random RASP programs: the fuzzer's generator, made shrinkable.

The generator itself lives in ``bench/fuzz_programs.py`` (shared with ``python -m bench.fuzz``)
and draws only through the ``random.Random`` it is given; here hypothesis supplies that
random source, so a failing program shrinks to a smaller one.
"""

from __future__ import annotations

from hypothesis import strategies as st

from bench.fuzz_programs import FuzzCase, check, generate  # the root is on sys.path: conftest

__all__ = ["FuzzCase", "check", "fuzz_cases", "generate"]


@st.composite
def fuzz_cases(draw) -> FuzzCase:
    """A random program with its vocabulary and max_seq_len (see ``bench.fuzz_programs``)."""
    return generate(draw(st.randoms(use_true_random=False)))
