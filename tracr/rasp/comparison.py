"""The predicates of ``Select``: which (key, query) pairs a selector selects.

A predicate is always called as ``predicate(key, query)``: ``LT`` selects a key when
``key < query``. Getting this order wrong silently transposes every comparison selector, so
the order is part of the name of every member's doc string and of its test.

None rule: every comparison except ``TRUE`` and ``FALSE`` is False when the key or the query is
``None``. ``None`` is what an Aggregate with no selected key (and no default) and a shifted
sequence hold; treating it as "matches nothing" keeps such positions out of later selections
instead of raising a ``TypeError`` from ``None < 3``. ``TRUE`` and ``FALSE`` ignore their
arguments entirely, ``None`` included.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from typing import Any, Protocol


class Predicate(Protocol):
    """Anything callable as ``predicate(key, query) -> bool``."""

    def __call__(self, key: Any, query: Any) -> bool: ...


# (symbol, how the key relates to the query) per member; the enum value is the member's name so
# that members print and compare like the reference's.
_SYMBOLS: dict[str, str] = {
    "EQ": "==",
    "LT": "<",
    "LEQ": "<=",
    "GT": ">",
    "GEQ": ">=",
    "NEQ": "!=",
    "TRUE": "true",
    "FALSE": "false",
}

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "EQ": operator.eq,
    "LT": operator.lt,
    "LEQ": operator.le,
    "GT": operator.gt,
    "GEQ": operator.ge,
    "NEQ": operator.ne,
}


class Comparison(enum.Enum):
    """The predicate of a ``Select``, called as ``Comparison.X(key, query)``.

    ``EQ``: key == query; ``LT``: key < query; ``LEQ``: key <= query; ``GT``: key > query;
    ``GEQ``: key >= query; ``NEQ``: key != query; ``TRUE``: always; ``FALSE``: never.
    Any comparison but TRUE/FALSE is False when key or query is None.
    """

    EQ = "EQ"
    LT = "LT"
    LEQ = "LEQ"
    GT = "GT"
    GEQ = "GEQ"
    NEQ = "NEQ"
    TRUE = "TRUE"
    FALSE = "FALSE"

    @property
    def symbol(self) -> str:
        """A readable form for messages and dumps, e.g. ``"<"``; read as ``key < query``."""
        return _SYMBOLS[self.value]

    def __call__(self, key: Any, query: Any) -> bool:
        """Whether ``key`` is selected by ``query`` (see the class doc for the None rule)."""
        if self is Comparison.TRUE:
            return True
        if self is Comparison.FALSE:
            return False
        if key is None or query is None:
            return False
        return bool(_OPERATORS[self.value](key, query))

    def __str__(self) -> str:
        return f"Comparison.{self.value}"
