"""Stage 2: infer the finite value set of every SOp, and where None can appear.

Value sets decide the residual layout (one direction per categorical value) and the
thresholds of discretising MLPs, so they must be complete: a value the model meets but the
compiler did not foresee is a silent error. Rules (SPEC section 4):

* tokens -> the vocabulary; indices -> 0..max_seq_len-1; SelectorWidth -> 0..max_seq_len;
* Map -> f over the input's set; SequenceMap -> f over the product of the two sets; a call that
  raises drops that input with a warning (the evaluator would raise there too);
* categorical Aggregate -> the input's set; numerical Aggregate -> every mean of 1..n of the
  input's values (every fraction k/m, 0 <= k <= m <= n, for 0/1 inputs), plus the default 0.

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
    total_predicate,
)
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

MAX_MEAN_VALUES = 50_000
MAX_MEAN_WORK = 2_000_000  # sums to try in one step of the enumeration (about a second)


class ValueSetWarning(UserWarning):
    """A user function raised on some input values; those inputs are dropped."""


def _apply_all(node: ExprNode, f: Callable, args: Iterable[tuple]) -> tuple[set, bool]:
    out: set[Hashable] = set()
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
            out.add(value)
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


def _means(values: frozenset, max_seq_len: int) -> tuple[frozenset | None, bool]:
    """Every mean of a multiset of 1..max_seq_len values (None when too many), and whether
    they are exactly the floats the evaluator computes.

    Only numbers are averaged: the evaluator raises on any other selected value, and
    validation reports a numerical Aggregate of non-numbers.
    """
    values = frozenset(v for v in values if isinstance(v, numbers.Real))
    scale = _exact_scale(values, max_seq_len)
    if scale is not None:
        scaled = sorted({int(Fraction(v) * scale) for v in values})
        return _exact_means(scaled, scale, max_seq_len), True
    nums = sorted(float(v) for v in values)
    sums = {0.0}
    means: set[float] = set()
    for m in range(1, max_seq_len + 1):
        if len(sums) * len(nums) > MAX_MEAN_WORK:
            return None, False
        sums = {round(s + v, 12) for s in sums for v in nums}
        means.update(round(s / m, 12) for s in sums)
        if len(sums) > MAX_MEAN_VALUES or len(means) > MAX_MEAN_VALUES:
            return None, False
    return frozenset(means) | frozenset({0}), False


def _exact_scale(values, max_seq_len: int) -> int | None:
    """A power of two ``2**k`` such that the evaluator's float sums are exact, or None.

    Ints and floats are dyadic rationals: with every value a multiple of ``2**-k`` and every
    sum of up to max_seq_len of them below ``2**53 * 2**-k`` in size, no float addition
    rounds. Integers (k = 0), halves and quarters qualify; 0.1 does not.
    """
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return None
    fracs = [Fraction(v) for v in values]
    scale = max((f.denominator for f in fracs), default=1)
    largest = max((abs(f) for f in fracs), default=0)
    return scale if largest * max_seq_len * scale < 2**53 else None


def _exact_means(scaled: list[int], scale: int, max_seq_len: int) -> frozenset | None:
    """Means of ``v / scale`` for integers v, exactly as the evaluator computes them.

    The evaluator's sum is exact (``_exact_scale``) and ``sum / len`` is one correctly rounded
    division, as is the integer division ``s / (m * scale)`` here: the very same float. So
    1/3 stays 0.3333333333333333 (not a rounded 0.333333333333 that a later ``x * 3 == 1``
    would misjudge). For 0/1 values: every k/m.
    """
    sums, means = {0}, set()
    for m in range(1, max_seq_len + 1):
        if len(sums) * len(scaled) > MAX_MEAN_WORK:
            return None
        sums = {s + v for s in sums for v in scaled}
        means.update(s / (m * scale) for s in sums)
        if len(means) > MAX_MEAN_VALUES:
            return None
    return frozenset(means) | frozenset({0})  # the default; a mean 0.0 shows as such


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
        values, none = _apply_all(node, node.f, ((v,) for v in inner.values))
        return ValueInfo(frozenset(values), inner.may_be_none or none, inner.exact)

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
        pairs = itertools.product(a.values, b.values)
        if node.children[0] == node.children[1]:
            pairs = ((v, v) for v in a.values)
        values, none = _apply_all(node, node.f, pairs)
        return ValueInfo(frozenset(values), may_none or none, exact)

    _linear_sequence_map = _sequence_map

    def _linear_and_unread(self, node: ExprNode) -> bool:
        numeric = all(self.graph[c].encoding == NUMERICAL for c in node.children)
        return (node.kind == "linear_sequence_map" and numeric and node.encoding == NUMERICAL
                and not self._values_read(node.label))

    def _values_read(self, label: str) -> bool:
        """Whether some expression needs this SOp's value set (an MLP or a head reading it)."""
        for consumer in self.consumers[label]:
            kind = self.graph[consumer].kind
            if kind != "aggregate" or self._values_read(consumer):
                return True
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
        return ValueInfo(frozenset(v for v in value if v is not None), None in value)

    def _aggregate(self, node: ExprNode) -> ValueInfo:
        sop = self._child(node, 1)
        default = node.params["default"]
        can_be_empty = not self.diagonal[node.children[0]]
        may_none = sop.may_be_none or (can_be_empty and default is None)
        if node.encoding == NUMERICAL:
            values, exact = (None, False) if sop.values is None else _means(sop.values, self.n)
            if values is not None and can_be_empty and default is not None:
                values = values | {default}
            return ValueInfo(values, may_none, sop.exact and exact)
        values = sop.values
        if values is not None and can_be_empty and default is not None:
            values = values | {default}
        return ValueInfo(values, may_none, sop.exact)

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
