"""SOps that do not attend: the primitives, elementwise maps and constants.

Each becomes an embedding or an MLP in the compiled model; none of them mixes positions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tracr.errors import RASPTypeError
from tracr.rasp.base import RASPExpr, SOp, describe, require


class TokensType(SOp):
    """The input sequence itself."""

    default_name = "tokens"

    @property
    def label(self) -> str:
        return "tokens"


class IndicesType(SOp):
    """The positions ``0..n-1``."""

    default_name = "indices"

    @property
    def label(self) -> str:
        return "indices"


class LengthType(SOp):
    """The input length ``n`` at every position (``q + 1`` at position q in causal mode)."""

    default_name = "length"

    @property
    def label(self) -> str:
        return "length"


tokens = TokensType()
indices = IndicesType()
length = LengthType()


def _require_callable(kind: str, f: Any) -> None:
    if not callable(f):
        raise RASPTypeError(f"{kind}: f must be callable, got {describe(f)}")


class _Chain:
    """``f_n(...f_2(f_1(x)))`` with the evaluator's None rule between the steps.

    Fusing a chain of k Maps gives one flat chain rather than k nested closures, so a long
    chain of fused Maps does not overflow Python's call stack when evaluated.
    """

    def __init__(self, steps: tuple[Callable[[Any], Any], ...]) -> None:
        self.steps = steps

    def __call__(self, x: Any) -> Any:
        first, *rest = self.steps
        x = first(x)
        for step in rest:
            if x is None:
                return None
            x = step(x)
        return x

    def __repr__(self) -> str:
        return f"<fused map of {len(self.steps)} functions>"


def _steps(f: Callable[[Any], Any]) -> tuple[Callable[[Any], Any], ...]:
    return f.steps if isinstance(f, _Chain) else (f,)


def _compose(outer: Callable[[Any], Any], inner: Callable[[Any], Any]) -> _Chain:
    """``outer(inner(x))``, where ``outer`` is not called when ``inner`` returns None."""
    return _Chain(_steps(inner) + _steps(outer))


class Map(SOp):
    """``f`` applied to each value of ``inner``; ``None`` stays ``None`` (f is not called).

    ``Map(f, Map(g, x))`` becomes one Map of ``f(g(x))`` over ``x`` unless ``simplify=False``,
    so a chain of maps costs one MLP. The fused function keeps the None rule between the two
    steps, so it computes exactly what the two maps compute in turn.
    """

    default_name = "map"

    def __init__(self, f: Callable[[Any], Any], inner: SOp, simplify: bool = True) -> None:
        super().__init__()
        _require_callable("Map", f)
        require("Map", "inner", inner, SOp, "an SOp")
        if simplify and isinstance(inner, Map):
            f = _compose(f, inner.f)
            inner = inner.inner
        self.f = f
        self.inner = inner

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.inner,)


class SequenceMap(SOp):
    """``f(x, y)`` for each position's values of ``fst`` and ``snd``; None if either is None."""

    default_name = "sequence_map"

    def __init__(self, f: Callable[[Any, Any], Any], fst: SOp, snd: SOp) -> None:
        super().__init__()
        kind = type(self).__name__
        _require_callable(kind, f)
        require(kind, "fst", fst, SOp, "an SOp")
        require(kind, "snd", snd, SOp, "an SOp")
        self.f = f
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> tuple[RASPExpr, ...]:
        return (self.fst, self.snd)


def _require_number(what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RASPTypeError(f"LinearSequenceMap: {what} must be a number, got {describe(value)}")


class LinearSequenceMap(SequenceMap):
    """``fst_fac * x + snd_fac * y``: a SequenceMap the compiler can build exactly on numbers."""

    default_name = "linear_sequence_map"

    def __init__(self, fst: SOp, snd: SOp, fst_fac: float, snd_fac: float) -> None:
        _require_number("fst_fac", fst_fac)
        _require_number("snd_fac", snd_fac)
        super().__init__(lambda x, y: fst_fac * x + snd_fac * y, fst, snd)
        self.fst_fac = fst_fac
        self.snd_fac = snd_fac


class Full(SOp):
    """The same value ``fill`` at every position."""

    default_name = "full"

    def __init__(self, fill: Any) -> None:
        super().__init__()
        if isinstance(fill, RASPExpr):
            raise RASPTypeError(
                f"Full: fill must be a constant value, got {describe(fill)} "
                "(an SOp is already a sequence; use it directly)"
            )
        self.fill = fill


class ConstantSOp(SOp):
    """A fixed sequence: ``value[i]`` at position i; inputs may be shorter than ``value``.

    An input longer than ``value`` is an evaluation error, unless ``check_length=False``, in
    which case the positions past the end of ``value`` hold ``None``.
    """

    default_name = "constant_sop"

    def __init__(self, value: Sequence[Any], check_length: bool = True) -> None:
        super().__init__()
        if isinstance(value, str | bytes | RASPExpr) or not isinstance(value, Sequence):
            raise RASPTypeError(
                f"ConstantSOp: value must be a list with one value per position, "
                f"got {describe(value)}"
            )
        for item in value:
            if isinstance(item, RASPExpr):
                raise RASPTypeError(
                    f"ConstantSOp: value must hold constants, got {describe(item)} in it"
                )
        self.value = list(value)
        self.check_length = bool(check_length)


def sop_not(sop: SOp) -> Map:
    """The logical not of each value (a Map of bools), the same as ``~sop``."""
    require("sop_not", "the argument", sop, SOp, "an SOp")
    return Map(lambda x: not x, sop)
