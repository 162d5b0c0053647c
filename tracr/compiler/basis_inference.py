"""Stage 2: infer the finite value set of every SOp, and where None can appear.

Value sets decide the residual layout (one direction per categorical value) and the
thresholds of discretising MLPs, so they must be complete: a value the model meets but the
compiler did not foresee is a silent error. Rules (SPEC section 4):

* tokens -> the vocabulary; indices -> 0..max_seq_len-1; SelectorWidth -> 0..max_seq_len;
* Map -> f over the input's set; SequenceMap -> f over the product of the two sets; a call that
  raises drops that input with a warning (the evaluator would raise there too);
* categorical Aggregate -> the input's set; numerical Aggregate -> every mean of 1..n of the
  input's values, as the exact floats the evaluator computes (every k/m, 0 <= k <= m <= n,
  for 0/1 inputs), plus the default 0.

``may_be_none`` follows None through the program: a categorical Aggregate whose selector can
select nothing and whose default is None, a Map that returns None, and everything downstream.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Hashable, Iterable
from fractions import Fraction

from tracr.compiler.nodes import (
    NUMERICAL,
    AnnotatedGraph,
    ExprNode,
    Graph,
    ValueInfo,
    canonical,
    total_predicate,
)
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

MAX_MEAN_VALUES = 50_000
MAX_MEAN_WORK = 2_000_000  # sums to try in one step of the enumeration (about a second)


class ValueSetWarning(UserWarning):
    """A user function raised on some input values; those inputs are dropped."""


def _apply_all(node: ExprNode, f: Callable, args: Iterable[tuple]) -> tuple[list, bool]:
    out: list[Hashable] = []
    produced_none = False
    failures = []
    for arg in args:
        try:
            value = f(*arg)
        except Exception as exc:  # noqa: BLE001 - any user error drops the input
            failures.append((arg, exc))
            continue
        if value is None:
            produced_none = True
            continue
        try:
            hash(value)
            out.append(value)
        except TypeError:
            raise UnsupportedExprError(
                f"{node.describe()}: the function returned {value!r}, which is not hashable; "
                "SOp values must be hashable (return a tuple instead of a list)"
            ) from None
    if failures:
        arg, exc = failures[0]
        shown = arg[0] if len(arg) == 1 else arg
        warnings.warn(
            f"{node.describe()}: the function raised on {len(failures)} input value(s), e.g. "
            f"{shown!r} ({type(exc).__name__}: {exc}); those inputs are dropped from the "
            "value set",
            ValueSetWarning,
            stacklevel=4,
        )
    return out, produced_none


def _finite_float(v) -> bool:
    """An int or float that float64 holds (huge ints overflow the model's float too)."""
    if not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _means(values: frozenset, max_seq_len: int) -> tuple[frozenset | None, bool]:
    """Every mean of a multiset of 1..max_seq_len values, exactly the floats the evaluator's
    ``mean`` computes (None when there are too many), and whether they could be listed.

    Every finite float is a dyadic rational, so with ``scale`` the largest denominator every
    value is ``v = s_v / scale`` for an integer ``s_v``: sums are exact Python integers, and
    the evaluator's two roundings (``fsum`` of the values, then ``/ m``) are reproduced by
    ``fl(s / scale) / m``; all-integer values divide once, ``s / m``. So 1/3 stays
    0.3333333333333333 and a later ``x == 1/3`` is judged as the evaluator judges it.
    Only ints and floats are averaged exactly; other numbers (Fraction, Decimal, numpy
    integers) and inf/nan make the set unknown (validation refuses what reads it).
    """
    nums = [v for v in values if isinstance(v, numbers.Real)]
    if not all(_finite_float(v) for v in nums):
        return None, False
    all_int = all(type(v) is int or type(v) is bool for v in nums)
    fracs = [Fraction(v) if all_int else Fraction(float(v)) for v in nums]
    scale = max((f.denominator for f in fracs), default=1)
    scaled = sorted({int(f * scale) for f in fracs})
    ints = [abs(v) for v in nums if type(v) is int or type(v) is bool]
    if not all_int and max(ints, default=0) * max_seq_len >= 2**53:
        # a selection of only ints divides their exact sum; the float path would round it
        return None, False
    sums, means = {0}, set()
    for m in range(1, max_seq_len + 1):
        if len(sums) * len(scaled) > MAX_MEAN_WORK:
            return None, False
        sums = {s + v for s in sums for v in scaled}
        try:
            if all_int:
                means.update(s / m for s in sums)
            else:
                means.update((s / scale) / m for s in sums)
        except OverflowError:
            return None, False
        if len(means) > MAX_MEAN_VALUES:
            return None, False
    return frozenset(means) | frozenset({0}), True  # the default; a mean 0.0 shows as such


def _ordered(values: Iterable[Hashable]) -> list:
    """Values in an order that does not depend on hashing (for messages and warnings)."""
    return sorted(values, key=lambda v: (type(v).__name__, repr(v)))


def _typed_info(values: Iterable[Hashable], may_be_none: bool, exact: bool) -> ValueInfo:
    reps, twins = canonical(values)
    return ValueInfo(reps, may_be_none, exact, twins)


class _Inferrer:
    def __init__(self, graph: Graph, vocab: frozenset, max_seq_len: int):
        self.graph = graph
        self.vocab = vocab
        self.n = max_seq_len
        self.info: dict[str, ValueInfo] = {}
        self.diagonal: dict[str, bool] = {}  # selector -> always selects the query itself
        self.consumers = graph.consumers()

    def run(self) -> dict[str, ValueInfo]:
        for label in self.graph.order:
            node = self.graph[label]
            if node.is_selector:
                self.diagonal[label] = self._has_diagonal(node)
            else:
                self.info[label] = getattr(self, f"_{node.kind}")(node)
        return self.info

    def _child(self, node: ExprNode, i: int) -> ValueInfo:
        return self.info[node.children[i]]

    def _tokens(self, node: ExprNode) -> ValueInfo:
        return ValueInfo(frozenset(self.vocab))

    def _indices(self, node: ExprNode) -> ValueInfo:
        return ValueInfo(frozenset(range(self.n)))

    def _selector_width(self, node: ExprNode) -> ValueInfo:
        return ValueInfo(frozenset(range(self.n + 1)))

    def _map(self, node: ExprNode) -> ValueInfo:
        inner = self._child(node, 0)
        if inner.values is None:
            return ValueInfo(None, inner.may_be_none, inner.exact)
        values, none = _apply_all(node, node.f, ((v,) for v in _ordered(inner.all_values)))
        return _typed_info(values, inner.may_be_none or none, inner.exact)

    def _sequence_map(self, node: ExprNode) -> ValueInfo:
        a, b = self._child(node, 0), self._child(node, 1)
        may_none = a.may_be_none or b.may_be_none
        exact = a.exact and b.exact
        if a.values is None or b.values is None:
            return ValueInfo(None, may_none, exact)
        if self._linear_and_unread(node):
            # a*x + b*y of numbers is never None and never raises; its value set (the product
            # of two sets of fractions: millions at max_seq_len 64) matters only to a reader.
            return ValueInfo(None, may_none, exact)
        pairs = itertools.product(_ordered(a.all_values), _ordered(b.all_values))
        if node.children[0] == node.children[1]:
            pairs = ((v, v) for v in _ordered(a.all_values))
        values, none = _apply_all(node, node.f, pairs)
        return _typed_info(values, may_none or none, exact)

    _linear_sequence_map = _sequence_map

    def _linear_and_unread(self, node: ExprNode) -> bool:
        numeric = all(self.graph[c].encoding == NUMERICAL for c in node.children)
        return (node.kind == "linear_sequence_map" and numeric and node.encoding == NUMERICAL
                and not self._values_read(node.label))

    def _values_read(self, label: str) -> bool:
        """Whether some expression needs this SOp's value set (an MLP or a head reading it)
        directly or through a chain of Aggregates (walked without recursion)."""
        stack, seen = [label], {label}
        while stack:
            for consumer in self.consumers[stack.pop()]:
                if self.graph[consumer].kind != "aggregate":
                    return True
                if consumer not in seen:
                    seen.add(consumer)
                    stack.append(consumer)
        return False

    def _tuple(self, node: ExprNode) -> ValueInfo:
        parts = [self.info[c] for c in node.children]
        may_none = any(p.may_be_none for p in parts)
        exact = all(p.exact for p in parts)
        if any(p.values is None for p in parts):
            return ValueInfo(None, may_none, exact)
        values = frozenset(itertools.product(*(p.values for p in parts)))
        return ValueInfo(values, may_none, exact)

    def _full(self, node: ExprNode) -> ValueInfo:
        fill = node.params["fill"]
        return ValueInfo(frozenset() if fill is None else frozenset({fill}), fill is None)

    def _constant_sop(self, node: ExprNode) -> ValueInfo:
        value = node.params["value"][: self.n]
        return _typed_info([v for v in value if v is not None], None in value, True)

    def _aggregate(self, node: ExprNode) -> ValueInfo:
        sop = self._child(node, 1)
        default = node.params["default"]
        can_be_empty = not self.diagonal[node.children[0]]
        may_none = sop.may_be_none or (can_be_empty and default is None)
        if node.encoding == NUMERICAL:
            values, exact = (None, False) if sop.values is None else _means(sop.values, self.n)
            if values is None:
                return ValueInfo(None, may_none, False)
            # The default joins through _typed_info: an int 0 beside a mean 0.0 is a twin
            # (a later Map may tell them apart), not lost in a set union.
            extra = [default] if can_be_empty and default is not None else []
            return _typed_info([*_ordered(values), *extra], may_none, sop.exact and exact)
        if sop.values is None:
            return ValueInfo(None, may_none, sop.exact)
        extra = [default] if can_be_empty and default is not None else []
        return _typed_info([*_ordered(sop.all_values), *extra], may_none, sop.exact)

    def _has_diagonal(self, node: ExprNode) -> bool:
        """Whether the selector always selects each query's own position (so never empty)."""
        kind = node.kind
        if kind == "select":
            pred = node.params["predicate"]
            if pred == rasp.Comparison.TRUE:
                return True
            keys, queries = node.children
            info = self.info[keys]
            if keys != queries or info.may_be_none or info.values is None:
                return False
            holds = total_predicate(pred)
            return all(holds(v, v) for v in info.values)
        if kind == "selector_and":
            return all(self.diagonal[c] for c in node.children)
        if kind == "selector_or":
            return any(self.diagonal[c] for c in node.children)
        if kind == "constant_selector":
            value = node.params["value"]
            return all(len(row) > i and bool(row[i]) for i, row in enumerate(value))
        return False


def infer_value_sets(
    graph: Graph, vocab: frozenset, max_seq_len: int, causal: bool
) -> AnnotatedGraph:
    """Annotate every SOp node with its ``ValueInfo``."""
    inferrer = _Inferrer(graph, vocab, max_seq_len)
    info = inferrer.run()
    return AnnotatedGraph(graph=graph, info=info, vocab=vocab, max_seq_len=max_seq_len,
                          causal=causal, selects_self=inferrer.diagonal)


def infer_bases(graph, sink, vocab, max_seq_len):
    """The reference's ``infer_bases`` (adapter; the work is ``infer_value_sets`` above, via
    ``tracr.compiler.staged``): fill ``VALUE_SET`` and ``OUTPUT_BASIS`` of every node of a
    graph from ``rasp_to_graph.extract_rasp_graph``, in place.

    Given our own ``Graph``, it is ``infer_value_sets(graph, vocab, max_seq_len, causal)``
    (this stage's name before the reference's took it), so older callers keep working.
    """
    if isinstance(graph, Graph):
        return infer_value_sets(graph, sink, vocab, max_seq_len)
    from tracr.compiler import staged

    staged.infer_bases(graph, sink, vocab, max_seq_len)
