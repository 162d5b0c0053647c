"""The RASP evaluator: the oracle every compiled model is checked against.

``evaluate(expr, xs)`` returns one value per position for an SOp and a ``[query][key]``
matrix of bools for a Selector. Each expression is evaluated once per call (values are
memoized by ``unique_id``) in topological order, so shared sub-expressions cost one
evaluation and deep programs need no recursion.

Rules the compiler must reproduce:

* ``Map``/``SequenceMap``: ``None`` in, ``None`` out; ``f`` is never called on ``None``.
* ``Aggregate`` with nothing selected gives ``default``. Numerical: the mean of the selected
  values (a ``None`` among them is an error), computed independently of their order
  (``mean``). Categorical: the selected value when all
  selected values are equal (``None`` is a value like any other), otherwise an error.
* An exception inside a user function becomes an ``EvaluationError`` that names the
  expression and the input, with the original exception chained.
* Causal mode (``causal_eval.evaluate``): every selector is ANDed with ``key <= query``,
  and ``length`` is ``q + 1`` at position ``q`` — the length a position can see — which is
  exactly what the compiled ``SelectorWidth(Select(tokens, tokens, TRUE))`` computes there.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import Any

from tracr.errors import EvaluationError, RASPTypeError
from tracr.rasp import selectors as sel
from tracr.rasp import sops
from tracr.rasp.base import RASPExpr, describe, is_numerical
from tracr.rasp.comparison import Comparison
from tracr.rasp.traversal import topological_sort

Matrix = list[list[bool]]

# The reference's names for what evaluation returns.
Value = Any  # one position's value: a token, a number, a bool, None, ...
NumericValue = int | float
SOpValue = list[Value]
SelectorValue = list[list[bool]]  # [query][key]


class _Context:
    """One evaluation: the input, the mode, and the values computed so far."""

    def __init__(self, xs: list[Any], causal: bool) -> None:
        self.xs = xs
        self.n = len(xs)
        self.causal = causal
        self.values: dict[int, Any] = {}

    def __getitem__(self, expr: RASPExpr) -> Any:
        return self.values[expr.unique_id]


def evaluate(expr: RASPExpr, xs: Sequence[Any]) -> list[Any]:
    """Evaluate ``expr`` on the input sequence ``xs`` (any sequence; a ``str`` is one token
    per character)."""
    return evaluate_with(expr, xs, causal=False)


def evaluate_with(expr: RASPExpr, xs: Sequence[Any], *, causal: bool) -> list[Any]:
    """Evaluate ``expr`` on ``xs``; ``causal=True`` masks every selector to ``key <= query``."""
    ctx = _context(expr, xs, causal)
    for node in topological_sort(expr):
        try:
            ctx.values[node.unique_id] = _rule_for(node)(node, ctx)
        except EvaluationError as exc:
            exc.expr = node  # which expression failed, for validating.dynamic_validate
            raise
    return ctx[expr]


def _context(expr: RASPExpr, xs: Sequence[Any], causal: bool) -> _Context:
    """A new evaluation of ``expr`` on ``xs``, once both are checked."""
    if not isinstance(expr, RASPExpr):
        raise RASPTypeError(
            f"evaluate: the expression must be a RASP expression, got {describe(expr)}"
        )
    if not _is_sequence(xs):
        raise RASPTypeError(
            f"evaluate {describe(expr)}: the input must be a sequence of tokens (a list, a "
            f"tuple or a str), got {describe(xs)}"
        )
    return _Context(list(xs), causal)


def _is_sequence(xs: Any) -> bool:
    """An ordered, sized input: a list, tuple, str, range, or a 1-D array (numpy's arrays are
    sequences without registering as ``Sequence``); not a set, a mapping, or bytes."""
    if isinstance(xs, Sequence):
        return not isinstance(xs, bytes)
    return getattr(xs, "ndim", None) == 1 and hasattr(xs, "__getitem__")


def _rule_for(expr: RASPExpr) -> Callable[[Any, _Context], Any]:
    for cls in type(expr).__mro__:
        rule = _RULES.get(cls)
        if rule is not None:
            return rule
    raise EvaluationError(f"{describe(expr)}: no evaluation rule for this expression type")


def _call(expr: RASPExpr, f: Callable[..., Any], *args: Any) -> Any:
    """``f(*args)``, turning a failure into an EvaluationError naming expr and the input."""
    try:
        return f(*args)
    except Exception as exc:
        shown = ", ".join(repr(a) for a in args)
        raise EvaluationError(
            f"{describe(expr)}: its function raised {type(exc).__name__}: {exc} on input ({shown})"
        ) from exc


# SOps that do not attend.


def _length(expr: sops.LengthType, ctx: _Context) -> list[int]:
    if ctx.causal:
        return [q + 1 for q in range(ctx.n)]
    return [ctx.n] * ctx.n


def _map(expr: sops.Map, ctx: _Context) -> list[Any]:
    return [None if x is None else _call(expr, expr.f, x) for x in ctx[expr.inner]]


def _sequence_map(expr: sops.SequenceMap, ctx: _Context) -> list[Any]:
    pairs = zip(ctx[expr.fst], ctx[expr.snd], strict=True)
    return [None if x is None or y is None else _call(expr, expr.f, x, y) for x, y in pairs]


def _constant_sop(expr: sops.ConstantSOp, ctx: _Context) -> list[Any]:
    missing = ctx.n - len(expr.value)
    if missing <= 0:
        return expr.value[: ctx.n]
    if expr.check_length:
        raise EvaluationError(
            f"{describe(expr)}: the input has length {ctx.n} but the constant has only "
            f"{len(expr.value)} values"
        )
    return expr.value + [None] * missing


# Selectors. In causal mode each is masked as it is computed; masking is idempotent and
# distributes over and/or, so this equals masking the final selector a head reads.


def _mask(matrix: Matrix, ctx: _Context) -> Matrix:
    if ctx.causal:
        return [[s and k <= q for k, s in enumerate(row)] for q, row in enumerate(matrix)]
    return matrix


def _compare(expr: sel.Select, key: Any, query: Any) -> bool:
    pred = expr.predicate
    if not isinstance(pred, Comparison) and (key is None or query is None):
        return False  # the None rule of comparison.py, for user predicates too
    try:
        return bool(pred(key, query))
    except Exception as exc:
        symbol = getattr(pred, "symbol", getattr(pred, "__name__", "predicate"))
        raise EvaluationError(
            f"{describe(expr)}: cannot compare key {key!r} {symbol} "
            f"query {query!r}: {type(exc).__name__}: {exc}"
        ) from exc


def _select(expr: sel.Select, ctx: _Context) -> Matrix:
    keys, queries = ctx[expr.keys], ctx[expr.queries]
    return _mask([[_compare(expr, k, q) for k in keys] for q in queries], ctx)


def _constant_selector(expr: sel.ConstantSelector, ctx: _Context) -> Matrix:
    value, n = expr.value, ctx.n
    if len(value) < n or (n and len(value[0]) < n):
        if expr.check_length:
            raise EvaluationError(
                f"{describe(expr)}: the input has length {ctx.n} but the constant selector is "
                f"only {len(value)} x {len(value[0]) if value else 0}"
            )
        value = [row + [False] * n for row in value] + [[False] * n] * n
    return _mask([row[:n] for row in value[:n]], ctx)


def _selector_and(expr: sel.SelectorAnd, ctx: _Context) -> Matrix:
    fst, snd = ctx[expr.fst], ctx[expr.snd]
    rows = zip(fst, snd, strict=True)
    return _mask([[a and b for a, b in zip(r, s, strict=True)] for r, s in rows], ctx)


def _selector_or(expr: sel.SelectorOr, ctx: _Context) -> Matrix:
    fst, snd = ctx[expr.fst], ctx[expr.snd]
    rows = zip(fst, snd, strict=True)
    return _mask([[a or b for a, b in zip(r, s, strict=True)] for r, s in rows], ctx)


def _selector_not(expr: sel.SelectorNot, ctx: _Context) -> Matrix:
    return _mask([[not s for s in row] for row in ctx[expr.inner]], ctx)


# SOps that attend.


def _selector_width(expr: sel.SelectorWidth, ctx: _Context) -> list[int]:
    return [sum(row) for row in ctx[expr.selector]]


def _aggregate(expr: sel.Aggregate, ctx: _Context) -> list[Any]:
    values = ctx[expr.sop]
    reduce = _mean if is_numerical(expr) else _unique
    out = []
    for q, row in enumerate(ctx[expr.selector]):
        selected = [v for v, s in zip(values, row, strict=True) if s]
        out.append(reduce(expr, q, selected) if selected else expr.default)
    return out


def _mean(expr: sel.Aggregate, q: int, selected: list[Any]) -> Any:
    if any(v is None for v in selected):
        raise EvaluationError(
            f"{describe(expr)}: numerical Aggregate cannot average None at query position {q} "
            f"(selected values {selected!r})"
        )
    try:
        return mean(selected)
    except Exception as exc:
        raise EvaluationError(
            f"{describe(expr)}: numerical Aggregate cannot average {selected!r} at query "
            f"position {q}: {type(exc).__name__}: {exc}"
        ) from exc


def mean(values: list[Any]) -> Any:
    """The mean of ``values``, independent of their order, so that the compiler can list every
    mean exactly: integers sum exactly and divide once; floats (with ints) sum with
    ``math.fsum`` (one rounding) and divide once. Other numbers sum left to right.
    """
    if all(type(v) is int or type(v) is bool for v in values):
        return sum(values) / len(values)
    if all(isinstance(v, int | float) for v in values):
        return math.fsum(values) / len(values)
    return sum(values) / len(values)


def _unique(expr: sel.Aggregate, q: int, selected: list[Any]) -> Any:
    first = selected[0]
    if all(_same(v, first) for v in selected):
        return first
    distinct = list(dict.fromkeys(map(repr, selected)))
    raise EvaluationError(
        f"{describe(expr)}: categorical Aggregate cannot average the different values "
        f"{', '.join(distinct)} at query position {q}; select a single value per query or "
        "make the Aggregate numerical with rasp.numerical(...)"
    )


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(a == b)


_RULES: dict[type, Callable[[Any, _Context], Any]] = {
    sops.TokensType: lambda expr, ctx: list(ctx.xs),
    sops.IndicesType: lambda expr, ctx: list(range(ctx.n)),
    sops.LengthType: _length,
    sops.Map: _map,
    sops.SequenceMap: _sequence_map,
    sops.Full: lambda expr, ctx: [expr.fill] * ctx.n,
    sops.ConstantSOp: _constant_sop,
    sel.Select: _select,
    sel.ConstantSelector: _constant_selector,
    sel.SelectorAnd: _selector_and,
    sel.SelectorOr: _selector_or,
    sel.SelectorNot: _selector_not,
    sel.SelectorWidth: _selector_width,
    sel.Aggregate: _aggregate,
}


class RASPEvaluator(abc.ABC):
    """Something that evaluates RASP expressions (the reference's interface)."""

    @abc.abstractmethod
    def evaluate(self, expr: RASPExpr, xs: Sequence[Any]) -> SOpValue | SelectorValue:
        """The value of ``expr`` on the input ``xs``."""


class DefaultRASPEvaluator(RASPEvaluator):
    """The evaluator of this module as an object: ``evaluate(expr, xs)`` as above.

    As in the reference, a subclass that overrides ``evaluate`` (to record every
    intermediate value, say) has it called on every sub-expression: ``super().evaluate``
    then evaluates the children through ``self.evaluate`` (once per path, without the
    memoization of the plain evaluator).
    """

    causal = False

    def evaluate(self, expr: RASPExpr, xs: Sequence[Any]) -> SOpValue | SelectorValue:
        if type(self).evaluate is DefaultRASPEvaluator.evaluate:
            return evaluate_with(expr, xs, causal=self.causal)
        ctx = _context(expr, xs, self.causal)
        for child in expr.children:
            ctx.values[child.unique_id] = self.evaluate(child, xs)
        try:
            return _rule_for(expr)(expr, ctx)
        except EvaluationError as exc:
            exc.expr = expr
            raise
