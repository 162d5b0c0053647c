"""Causal compilation: warn when the program looks ahead.

A causal model sees, at each position, only that position and earlier ones, so it computes
``causal_eval.evaluate``. When that differs from the full evaluation on some input, the user
probably did not mean to compile a decoder; we say so, naming the first expression whose
causal and full values differ. Inputs are enumerated exhaustively while that is cheap and
sampled otherwise.
"""

from __future__ import annotations

import itertools
import random
import warnings

from tracr.errors import TracrError
from tracr.rasp import causal_eval, rasp

MAX_INPUTS = 300


class LookaheadWarning(UserWarning):
    """The program's causal evaluation differs from its full evaluation."""


def _inputs(vocab: frozenset, max_seq_len: int):
    tokens = sorted(vocab, key=repr)
    rng = random.Random(0)
    count = 0
    for n in range(1, max_seq_len + 1):
        if len(tokens) ** n <= MAX_INPUTS - count:
            for xs in itertools.product(tokens, repeat=n):
                count += 1
                yield list(xs)
        else:
            for _ in range(max(1, (MAX_INPUTS - count) // (max_seq_len - n + 1))):
                count += 1
                yield [rng.choice(tokens) for _ in range(n)]


def _differs(expr, xs) -> bool:
    try:
        return rasp.evaluate(expr, xs) != causal_eval.evaluate(expr, xs)
    except TracrError:
        return False


def _culprit(program, xs) -> str:
    """The first expression (children first) whose causal value differs."""
    for expr in rasp.topological_sort(program):
        if isinstance(expr, rasp.SOp) and _differs(expr, xs):
            return f"{type(expr).__name__} {expr.label!r}"
    return f"{program.label!r}"


def warn_if_lookahead(program, vocab: frozenset, max_seq_len: int) -> None:
    for xs in _inputs(vocab, max_seq_len):
        if _differs(program, xs):
            warnings.warn(
                f"causal=True, but the program looks ahead: on input {xs!r} its causal "
                f"evaluation differs from the full one, first at {_culprit(program, xs)}. The "
                "compiled model computes the causal evaluation (tracr.rasp.causal_eval).",
                LookaheadWarning,
                stacklevel=3,
            )
            return
