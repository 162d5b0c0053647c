"""The precision of numerical outputs: compare and print them at what the compiler guarantees.

A numerical output is the float the model computed, unrounded: 1/3 decodes as something like
0.3333333333331, which ``==`` tells apart from the evaluator's 0.3333333333333333. The contract
(README, "What it guarantees") is that it equals the evaluator's value within
``ATOL + RTOL * |value|``. These
helpers compare at that tolerance and print only the digits it guarantees; nothing is rounded
silently (``model.apply`` keeps the exact floats).

>>> outputs_equal(["BOS", 1.0, 0.49999999999], ["BOS", 1, 0.5])
True
>>> [format_value(v) for v in (0.3333333333331, 0.5, 1.0000000001, -1e-12, "a", None)]
['0.33333', '0.5', '1', '0', 'a', 'None']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ATOL = 1e-5  # the contract on numerical outputs: |model - evaluator| <= ATOL + RTOL * |value|
RTOL = 1e-9


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def same_value(got: object, want: object, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """Numbers within ``atol + rtol * |want|``; anything else (tokens, None) exactly equal."""
    if _is_number(got) and _is_number(want):
        return abs(float(got) - float(want)) <= atol + rtol * abs(float(want))
    return got == want


def outputs_equal(got: Sequence, want: Sequence, atol: float = ATOL) -> bool:
    """Two decoded outputs agree at every position (numbers within ``atol``)."""
    return len(got) == len(want) and all(
        same_value(g, w, atol) for g, w in zip(got, want, strict=True)
    )


def decimals(atol: float = ATOL) -> int:
    """Decimal places that ``atol`` guarantees (5 for 1e-5)."""
    return max(0, math.ceil(-math.log10(atol)))


def format_value(value: object, atol: float = ATOL) -> str:
    """A float to the decimals ``atol`` guarantees, trailing zeros dropped; others as ``str``."""
    if not isinstance(value, float) or not math.isfinite(value):
        return str(value)
    places = decimals(atol)
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
