"""The base of the RASP language: expressions, their identity, names and annotations.

Every expression has a ``unique_id`` drawn from one global counter, so two expressions never
share a label even when they share a name; ``named``/``annotated`` return copies (with a fresh
id) and never change the original, which may be used elsewhere in the same program.

The operators of ``SOp`` and ``Selector`` build ``Map``/``SequenceMap``/``SelectorAnd``...,
which live in ``sops.py`` and ``selectors.py``; those modules import this one, so the
operators import them lazily.
"""

from __future__ import annotations

import copy
import enum
import itertools
import operator
import reprlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from tracr.errors import RASPTypeError, RASPValueError

_ids = itertools.count(1)
_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40


class Encoding(enum.Enum):
    """How an SOp's values live in the residual stream: one-hot, or one scalar dimension."""

    CATEGORICAL = "categorical"
    NUMERICAL = "numerical"


def describe(value: Any) -> str:
    """A short, unambiguous description of an argument for error messages."""
    if isinstance(value, RASPExpr):
        return f"{type(value).__name__} {value.label!r}"
    return f"{type(value).__name__} {_short.repr(value)}"


def require(kind: str, what: str, value: Any, cls: type | tuple[type, ...], noun: str) -> None:
    """Raise ``RASPTypeError`` naming the expression kind unless ``value`` is a ``cls``."""
    if not isinstance(value, cls):
        raise RASPTypeError(f"{kind}: {what} must be {noun}, got {describe(value)}")


class RASPExpr:
    """An expression of a RASP program: an SOp (a sequence) or a Selector (a matrix).

    Expressions hash and compare by identity (``SOp`` overloads ``==`` to build a program, so
    equality could not mean anything else); graph walks key them by ``unique_id``.
    """

    default_name: ClassVar[str] = "expr"
    __hash__ = object.__hash__

    def __init__(self) -> None:
        self._unique_id: int = next(_ids)
        self._annotations: Mapping[str, Any] = MappingProxyType(_default_annotations(self))

    @property
    def unique_id(self) -> int:
        """Fresh for every expression object, copies included."""
        return self._unique_id

    @property
    def annotations(self) -> Mapping[str, Any]:
        """Read-only; change it through ``annotated``, which returns a copy."""
        return self._annotations

    @property
    def name(self) -> str:
        return self._annotations["name"]

    @property
    def label(self) -> str:
        """The unique handle of this expression in graphs, residual labels and errors."""
        return f"{self.name}_{self.unique_id}"

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        """The direct inputs, in a fixed order per expression type; leaves have none."""
        return ()

    def named(self, name: str) -> RASPExpr:
        """A copy of this expression with the given name (the original is unchanged)."""
        return annotate(self, name=name)

    def annotated(self, **annotations: Any) -> RASPExpr:
        """A copy of this expression with ``annotations`` merged into its annotations."""
        return annotate(self, **annotations)

    def __call__(self, xs: Sequence[Any]) -> list[Any]:
        """Evaluate on the input ``xs``: the same as ``rasp.evaluate(self, xs)``."""
        from tracr.rasp.evaluator import evaluate

        return evaluate(self, xs)

    def copy(self) -> RASPExpr:
        """A shallow copy with a new id (and so a new label); the original is unchanged."""
        return copy.copy(self)

    def __copy__(self) -> RASPExpr:
        """A shallow copy is a new expression, so it gets a new id (and label)."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._unique_id = next(_ids)
        return new

    def __repr__(self) -> str:
        # Shallow on purpose: a deep program must not make repr recurse thousands of levels.
        return f"{type(self).__name__}({self.label!r})"


def _sops():
    from tracr.rasp import sops

    return sops


def _logical_and(x: Any, y: Any) -> bool:
    return bool(x and y)


def _logical_or(x: Any, y: Any) -> bool:
    return bool(x or y)


def _logical_not(x: Any) -> bool:
    return not x


def _binary(op: Callable[[Any, Any], Any], symbol: str, reflected: bool = False) -> Callable:
    """An SOp operator: a Map with a constant operand, a SequenceMap with an SOp operand."""

    def method(self: SOp, other: Any) -> SOp:
        if isinstance(other, Selector):
            raise RASPTypeError(
                f"SOp {self.label!r} {symbol} Selector {other.label!r}: an SOp operator needs "
                "an SOp or a constant on the other side"
            )
        if isinstance(other, SOp):
            fst, snd = (other, self) if reflected else (self, other)
            return _sops().SequenceMap(op, fst, snd)
        if reflected:
            return _sops().Map(lambda x: op(other, x), self)
        return _sops().Map(lambda x: op(x, other), self)

    method.__doc__ = f"Elementwise ``{symbol}`` with a constant (Map) or an SOp (SequenceMap)."
    return method


def _unary(op: Callable[[Any], Any], symbol: str) -> Callable:
    def method(self: SOp) -> SOp:
        return _sops().Map(op, self)

    method.__doc__ = f"Elementwise ``{symbol}`` (a Map)."
    return method


class SOp(RASPExpr):
    """A sequence operation: one value per position of the input.

    Operators build new expressions: ``sop + 1`` is a Map, ``sop + other_sop`` a SequenceMap,
    ``sop == 1`` a Map of bools. ``&``, ``|`` and ``~`` are the logical and/or/not of the
    values and always give bools. An SOp has no truth value: ``if sop`` or ``sop in a_list``
    would silently test a Map object, so they raise instead.
    """

    __hash__ = RASPExpr.__hash__

    def __bool__(self) -> bool:
        raise RASPTypeError(
            f"SOp {self.label!r} has no truth value: comparing SOps builds a new SOp "
            "(use `is` to test identity, and & | ~ to combine conditions)"
        )

    __add__ = _binary(operator.add, "+")
    __radd__ = _binary(operator.add, "+", reflected=True)
    __sub__ = _binary(operator.sub, "-")
    __rsub__ = _binary(operator.sub, "-", reflected=True)
    __mul__ = _binary(operator.mul, "*")
    __rmul__ = _binary(operator.mul, "*", reflected=True)
    __truediv__ = _binary(operator.truediv, "/")
    __rtruediv__ = _binary(operator.truediv, "/", reflected=True)
    __floordiv__ = _binary(operator.floordiv, "//")
    __rfloordiv__ = _binary(operator.floordiv, "//", reflected=True)
    __mod__ = _binary(operator.mod, "%")
    __rmod__ = _binary(operator.mod, "%", reflected=True)
    __pow__ = _binary(operator.pow, "**")
    __rpow__ = _binary(operator.pow, "**", reflected=True)
    __and__ = _binary(_logical_and, "&")
    __rand__ = _binary(_logical_and, "&", reflected=True)
    __or__ = _binary(_logical_or, "|")
    __ror__ = _binary(_logical_or, "|", reflected=True)
    __eq__ = _binary(operator.eq, "==")  # type: ignore[assignment]
    __ne__ = _binary(operator.ne, "!=")  # type: ignore[assignment]
    __lt__ = _binary(operator.lt, "<")
    __le__ = _binary(operator.le, "<=")
    __gt__ = _binary(operator.gt, ">")
    __ge__ = _binary(operator.ge, ">=")
    __neg__ = _unary(operator.neg, "-")
    __abs__ = _unary(abs, "abs")
    __invert__ = _unary(_logical_not, "not")


def _selector_operand(self: Selector, other: Any, symbol: str) -> Selector:
    if not isinstance(other, Selector):
        raise RASPTypeError(
            f"Selector {self.label!r} {symbol} {describe(other)}: both sides must be Selectors"
        )
    return other


class Selector(RASPExpr):
    """A boolean matrix ``sel[query][key]``: which keys each query position attends to.

    ``&``, ``|`` and ``~`` build SelectorAnd, SelectorOr and SelectorNot.
    """

    def __and__(self, other: Any) -> Selector:
        from tracr.rasp.selectors import SelectorAnd

        return SelectorAnd(self, _selector_operand(self, other, "&"))

    def __or__(self, other: Any) -> Selector:
        from tracr.rasp.selectors import SelectorOr

        return SelectorOr(self, _selector_operand(self, other, "|"))

    def __invert__(self) -> Selector:
        from tracr.rasp.selectors import SelectorNot

        return SelectorNot(self)


class Annotator(Protocol):
    """Computes the default value of one annotation of an expression."""

    def __call__(self, expr: RASPExpr) -> Any: ...


def default_name(expr: RASPExpr) -> str:
    """The name an expression has unless ``.named()`` gives it one: per class (``map``,
    ``aggregate``, ...). Its label adds the unique id: ``map_12``."""
    if not isinstance(expr, RASPExpr):
        raise RASPTypeError(f"default_name: the argument must be a RASP expression, got "
                            f"{describe(expr)}")
    return type(expr).default_name


def default_encoding(expr: RASPExpr) -> Encoding:
    """Every SOp is categorical unless annotated otherwise; other expressions have none."""
    if not isinstance(expr, SOp):  # no describe(): expr may be under construction
        raise RASPTypeError(f"default_encoding: only an SOp has an encoding, not a "
                            f"{type(expr).__name__}")
    return Encoding.CATEGORICAL


# The annotations every expression starts with, by key. An annotator that does not apply to
# an expression raises TypeError (``default_encoding`` on a Selector) and is skipped.
DEFAULT_ANNOTATORS: dict[str, Annotator] = {
    "name": default_name,
    "encoding": default_encoding,
}


def _default_annotations(expr: RASPExpr) -> dict[str, Any]:
    out = {}
    for key, annotator in DEFAULT_ANNOTATORS.items():
        try:
            out[key] = annotator(expr)
        except TypeError:
            continue
    return out


def annotate(expr: RASPExpr, **annotations: Any) -> RASPExpr:
    """A copy of ``expr`` (new id) with ``annotations`` merged in; ``expr`` is unchanged."""
    require("annotate", "the expression", expr, RASPExpr, "a RASP expression")
    if "name" in annotations:
        name = annotations["name"]
        if not isinstance(name, str) or not name:
            raise RASPValueError(
                f"{describe(expr)}: a name must be a non-empty string, got {describe(name)}"
            )
    if "encoding" in annotations:
        _check_encoding(expr, annotations["encoding"])
    new = copy.copy(expr)
    new._annotations = MappingProxyType({**expr.annotations, **annotations})
    return new


def _check_encoding(expr: RASPExpr, encoding: Any) -> None:
    if not isinstance(expr, SOp):
        raise RASPTypeError(
            f"{describe(expr)}: only an SOp has an encoding (numerical/categorical)"
        )
    if not isinstance(encoding, Encoding):
        raise RASPTypeError(
            f"{describe(expr)}: encoding must be rasp.Encoding.NUMERICAL or "
            f"rasp.Encoding.CATEGORICAL, got {describe(encoding)}"
        )


def numerical(sop: SOp) -> SOp:
    """A copy of ``sop`` held as one scalar dimension (its values must be numbers)."""
    require("numerical", "the argument", sop, SOp, "an SOp")
    return annotate(sop, encoding=Encoding.NUMERICAL)


def categorical(sop: SOp) -> SOp:
    """A copy of ``sop`` held one-hot, one dimension per value (the default)."""
    require("categorical", "the argument", sop, SOp, "an SOp")
    return annotate(sop, encoding=Encoding.CATEGORICAL)


def get_encoding(sop: SOp) -> Encoding:
    require("get_encoding", "the argument", sop, SOp, "an SOp")
    return sop.annotations["encoding"]


def is_numerical(expr: RASPExpr) -> bool:
    """True for a numerical SOp; False for a categorical SOp and for anything else."""
    return isinstance(expr, SOp) and expr.annotations["encoding"] is Encoding.NUMERICAL


def is_categorical(expr: RASPExpr) -> bool:
    """True for a categorical SOp; False for a numerical SOp and for anything else."""
    return isinstance(expr, SOp) and expr.annotations["encoding"] is Encoding.CATEGORICAL
