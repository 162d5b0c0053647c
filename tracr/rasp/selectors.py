"""Selectors and the SOps that read them: what becomes attention in the compiled model.

A selector is a boolean matrix ``sel[query][key]``. ``Select`` compares keys with queries,
``ConstantSelector`` is fixed, and ``SelectorAnd``/``SelectorOr``/``SelectorNot`` combine
them elementwise. ``Aggregate`` and ``SelectorWidth`` turn a selector back into an SOp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracr.errors import RASPTypeError, RASPValueError
from tracr.rasp.base import RASPExpr, Selector, SOp, describe, require
from tracr.rasp.comparison import Comparison, Predicate


class Select(Selector):
    """``sel[q][k] = predicate(keys[k], queries[q])``: the predicate takes (key, query)."""

    default_name = "select"

    def __init__(self, keys: SOp, queries: SOp, predicate: Comparison | Predicate) -> None:
        super().__init__()
        require("Select", "keys", keys, SOp, "an SOp")
        require("Select", "queries", queries, SOp, "an SOp")
        # A Comparison, or any callable(key, query) -> bool (the reference's lib uses lambdas,
        # e.g. shift_by). Like a Comparison, a callable is never called on None: it is False.
        if not isinstance(predicate, Comparison) and (
            isinstance(predicate, RASPExpr) or not callable(predicate)
        ):
            raise RASPTypeError(
                "Select: predicate must be a rasp.Comparison or a callable (key, query) -> "
                f"bool, got {describe(predicate)}"
            )
        self.keys = keys
        self.queries = queries
        self.predicate = predicate

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.keys, self.queries)


def _bool_rows(value: Any) -> list[list[bool]]:
    """``value`` as a rectangular list of lists of bool, or a RASPValueError/RASPTypeError."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise RASPTypeError(
            f"ConstantSelector: value must be a list of rows of bools, got {describe(value)}"
        )
    rows: list[list[bool]] = []
    for row in value:
        if isinstance(row, str | bytes) or not isinstance(row, Sequence):
            raise RASPTypeError(f"ConstantSelector: each row must be a list, got {describe(row)}")
        bad = [x for x in row if isinstance(x, RASPExpr | str) or x not in (0, 1)]
        if bad:
            raise RASPValueError(f"ConstantSelector: entries must be bools, got {describe(bad[0])}")
        rows.append([bool(x) for x in row])
    if len({len(row) for row in rows}) > 1:
        raise RASPValueError(
            f"ConstantSelector: all rows must have the same length, got lengths "
            f"{sorted({len(row) for row in rows})}"
        )
    return rows


class ConstantSelector(Selector):
    """A fixed matrix ``value[query][key]``, cropped to n x n for an input of length n.

    An input longer than the matrix is an evaluation error, unless ``check_length=False``,
    in which case the missing entries are False.
    """

    default_name = "constant_selector"

    def __init__(self, value: Sequence[Sequence[bool]], check_length: bool = True) -> None:
        super().__init__()
        self.value = _bool_rows(value)
        self.check_length = bool(check_length)


class _SelectorPair(Selector):
    def __init__(self, fst: Selector, snd: Selector) -> None:
        super().__init__()
        kind = type(self).__name__
        require(kind, "fst", fst, Selector, "a Selector")
        require(kind, "snd", snd, Selector, "a Selector")
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.fst, self.snd)


class SelectorAnd(_SelectorPair):
    """Selected where both ``fst`` and ``snd`` select."""

    default_name = "selector_and"


class SelectorOr(_SelectorPair):
    """Selected where ``fst`` or ``snd`` selects."""

    default_name = "selector_or"


class SelectorNot(Selector):
    """Selected where ``inner`` does not select."""

    default_name = "selector_not"

    def __init__(self, inner: Selector) -> None:
        super().__init__()
        require("SelectorNot", "inner", inner, Selector, "a Selector")
        self.inner = inner

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.inner,)


class Aggregate(SOp):
    """For each query, the values of ``sop`` at the selected keys, reduced to one value.

    Nothing selected: ``default``. Numerical: the mean of the selected values. Categorical:
    the selected value, which must be unique (all selected values equal); averaging
    categorical values is an evaluation error, since no one-hot can hold it.
    """

    default_name = "aggregate"

    def __init__(self, selector: Selector, sop: SOp, default: Any = None) -> None:
        super().__init__()
        require("Aggregate", "selector", selector, Selector, "a Selector")
        require("Aggregate", "sop", sop, SOp, "an SOp")
        if isinstance(default, RASPExpr):
            raise RASPTypeError(f"Aggregate: default must be a constant, got {describe(default)}")
        self.selector = selector
        self.sop = sop
        self.default = default

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.selector, self.sop)


class SelectorWidth(SOp):
    """The number of keys each query selects."""

    default_name = "selector_width"

    def __init__(self, selector: Selector) -> None:
        super().__init__()
        require("SelectorWidth", "selector", selector, Selector, "a Selector")
        self.selector = selector

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.selector,)


def _same_inputs(fst: Selector, snd: Selector) -> bool:
    return (
        isinstance(fst, Select) and isinstance(snd, Select)
        and fst.keys is snd.keys and fst.queries is snd.queries
    )


def _combined(kind: str, combine, *selects: Select) -> Select:
    """One Select whose predicate combines those of ``selects`` (same keys and queries)."""
    preds = [s.predicate for s in selects]

    def predicate(key: Any, query: Any) -> bool:
        return combine(*(bool(p(key, query)) for p in preds))

    predicate.__name__ = kind
    return Select(selects[0].keys, selects[0].queries, predicate)


def selector_and(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """Selected where both select: a ``SelectorAnd``, or with ``simplify`` one ``Select``
    when both are Selects over the same keys and queries.

    The simplified Select is an ordinary Select with a callable predicate, so, like any
    callable predicate, it never selects a None key or query.
    """
    if simplify and _same_inputs(fst, snd):
        return _combined("and", lambda a, b: a and b, fst, snd)
    return SelectorAnd(fst, snd)


def selector_or(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """Selected where either selects (see ``selector_and`` for ``simplify``)."""
    if simplify and _same_inputs(fst, snd):
        return _combined("or", lambda a, b: a or b, fst, snd)
    return SelectorOr(fst, snd)


def selector_not(inner: Selector, simplify: bool = True) -> Selector:
    """Selected where ``inner`` does not select: a ``SelectorNot``, or with ``simplify`` a
    Select with the negated predicate when ``inner`` is a Select (see ``selector_and``)."""
    if simplify and isinstance(inner, Select):
        return _combined("not", lambda a: not a, inner)
    return SelectorNot(inner)
