"""The causal RASP evaluator: what a decoder-only (``causal=True``) compiled model computes.

The same evaluator as ``rasp.evaluate`` (it shares the code, with a flag), except that every
selector is ANDed with ``key <= query`` — including the selectors an ``Aggregate`` or a
``SelectorWidth`` reads — and ``length`` is ``q + 1`` at position ``q``: a position can only
see itself and the positions before it, so that is the length it can know. Hence the value
at position ``q`` depends only on ``xs[: q + 1]``, and ``evaluate(p, xs)[:m] ==
evaluate(p, xs[:m])`` for every program.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracr.rasp.base import RASPExpr
from tracr.rasp.evaluator import DefaultRASPEvaluator, evaluate_with

__all__ = ["CausalEvaluator", "evaluate"]


class CausalEvaluator(DefaultRASPEvaluator):
    """The causal evaluator as an object (the reference's class): ``.evaluate(expr, xs)``."""

    causal = True


def evaluate(expr: RASPExpr, xs: Sequence[Any]) -> list[Any]:
    """Evaluate ``expr`` on ``xs`` as a causal (decoder) model would."""
    return evaluate_with(expr, xs, causal=True)
