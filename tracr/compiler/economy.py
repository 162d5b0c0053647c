"""Stage 4, economical layout: which expressions can use a cheaper exact construction.

``graph_to_craft`` asks this module once per node kind. Today one choice is made here: a
categorical Map / SequenceMap that is an integer affine function of one-hot integer SOps
(``length - indices - 1``) and is read only as the query of ``EQ`` selectors against a
one-hot integer key is held as two numbers, ``q`` and ``q**2``
(``chamber.affine_square_mlp``), and those selectors score by
``chamber.numerical_eq_attention``. Everything else keeps the reference construction.

The choice is made only where it is exact (integer values, no None, magnitudes bounded so
every pre-activation is an exact integer) and cheaper (fewer hidden units than the
reference's table).
"""

from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction

from tracr.compiler.nodes import CATEGORICAL, NUMERICAL, AnnotatedGraph
from tracr.compiler.nodes import ExprNode as Node
from tracr.craft.chamber.affine_square_mlp import largest_preactivation
from tracr.rasp import rasp

LAYOUTS = ("economical", "reference")
MAX_MAGNITUDE = 2048  # |q|, |k| bound of numerical_eq_attention
MAX_PREACTIVATION = 2**24  # exact integers in float32


@dataclasses.dataclass(frozen=True)
class AffineQuery:
    """``q = a * gate + b * other + constant`` over one-hot children (``other`` may be None),
    read as the query (``role`` "query") or the key ("key") of EQ selectors."""

    gate: tuple[str, int]
    other: tuple[str, int] | None
    constant: int
    role: str = "query"


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int_values(agraph: AnnotatedGraph, label: str) -> list[int] | None:
    node, info = agraph.graph[label], agraph.info[label]
    if node.encoding != CATEGORICAL or info.may_be_none or not info.values:
        return None
    if not all(_is_int(v) for v in info.values):
        return None
    return sorted(info.values)


def _int_at(f, x, y) -> int | None:
    try:
        value = f(x, y)
    except Exception:  # noqa: BLE001 - not affine where it raises
        return None
    return value if _is_int(value) else None


def _slope(f, x0, y0, x1, y1, base: int) -> int | None:
    """The integer slope of f between two points (0 when they coincide), or None."""
    if (x0, y0) == (x1, y1):
        return 0
    value = _int_at(f, x1, y1)
    if value is None:
        return None
    slope = Fraction(value - base, (x1 - x0) + (y1 - y0))
    return int(slope) if slope.denominator == 1 else None


def _affine_coefficients(f, xs: list[int], ys: list[int] | None) -> tuple[int, int, int] | None:
    """Integer (a, b, c) with ``f(x, y) == a x + b y + c`` on every pair, else None."""
    g = f if ys is not None else (lambda x, _y: f(x))
    ys = ys if ys is not None else [0]
    x0, y0 = xs[0], ys[0]
    base = _int_at(g, x0, y0)
    if base is None:
        return None
    a, b = _slope(g, x0, y0, xs[-1], y0, base), _slope(g, x0, y0, x0, ys[-1], base)
    if a is None or b is None:
        return None
    c = base - a * x0 - b * y0
    for x in xs:
        want = a * x + c
        for y in ys:
            if _int_at(g, x, y) != want + b * y:
                return None
    return a, b, c


def eq_role(agraph: AnnotatedGraph, label: str, consumers: dict) -> str | None:
    """"query" (or "key") when every reader is a plain ``Select`` with ``EQ`` that reads
    ``label`` on that side and a one-hot integer SOp, never None, on the other, and is read by
    Aggregates and SelectorWidths; None otherwise."""
    roles = set()
    for sel_label in consumers[label]:
        sel = agraph.graph[sel_label]
        if sel.kind != "select" or sel.params.get("composite"):
            return None
        if sel.params.get("predicate") != rasp.Comparison.EQ or len(set(sel.children)) != 2:
            return None
        keys, queries = sel.children
        role, other = ("query", keys) if queries == label else ("key", queries)
        other_values = _int_values(agraph, other)
        if other_values is None or max(map(abs, other_values)) > MAX_MAGNITUDE:
            return None
        if any(agraph.graph[c].kind not in ("aggregate", "selector_width")
               for c in consumers[sel_label]):
            return None
        roles.add(role)
    return roles.pop() if len(roles) == 1 else None


def affine_query(agraph: AnnotatedGraph, node: Node, consumers: dict) -> AffineQuery | None:
    """How to hold ``node`` as a number and its square, or None where that is not exact and
    cheaper."""
    if node.kind not in ("map", "sequence_map", "linear_sequence_map"):
        return None
    if node.label == agraph.graph.output or _int_values(agraph, node.label) is None:
        return None
    children = list(dict.fromkeys(node.children))  # SequenceMap(f, x, x) is a Map of x
    values = [_int_values(agraph, c) for c in children]
    if any(v is None for v in values) or len(children) > 2:
        return None
    role = eq_role(agraph, node.label, consumers)
    if role is None:
        return None
    f = node.f if len(node.children) == len(children) else (lambda x: node.f(x, x))
    coefs = _affine_coefficients(f, values[0], values[1] if len(children) == 2 else None)
    if coefs is None:
        return None
    a, b, c = coefs
    q_values = agraph.info[node.label].values
    if max(abs(v) for v in q_values) > MAX_MAGNITUDE:
        return None
    plan = _oriented(children, values, a, b, c)
    return None if plan is None else dataclasses.replace(plan, role=role)


def _oriented(children, values, a, b, c) -> AffineQuery | None:
    """Gate on the child with fewer values; refuse when integers could round or it is dearer."""
    if len(children) == 1:
        if largest_preactivation(values[0], [], a, 0, c) >= MAX_PREACTIVATION:
            return None
        return AffineQuery((children[0], a), None, c)
    (x, xs), (y, ys) = zip(children, values, strict=True)
    gate, other, a_g, b_o = (x, y, a, b) if len(xs) <= len(ys) else (y, x, b, a)
    g_vals, o_vals = (xs, ys) if gate == x else (ys, xs)
    if largest_preactivation(g_vals, o_vals, a_g, b_o, c) >= MAX_PREACTIVATION:
        return None
    if 3 + 2 * len(g_vals) >= len(xs) * len(ys):
        return None  # the reference's pair table is no bigger
    return AffineQuery((gate, a_g), (other, b_o), c)


def affine_queries(agraph: AnnotatedGraph, exclude: set[str]) -> dict[str, AffineQuery]:
    """Every node the economical layout holds as ``q`` and ``q**2``, by label (those in
    ``exclude`` are built another way)."""
    consumers = agraph.graph.consumers()
    out = {}
    for label in agraph.graph.order:
        node = agraph.graph[label]
        if node.is_selector or label in exclude:
            continue
        plan = affine_query(agraph, node, consumers)
        if plan is not None:
            out[label] = plan
    for label in agraph.graph.order:  # a select needs one side one-hot: keep its query
        node = agraph.graph[label]
        if node.kind == "select" and node.children[0] in out and node.children[1] in out:
            del out[node.children[0]]
    return out


@dataclasses.dataclass(frozen=True)
class ConjunctionLeaf:
    key: str
    query: str
    predicate: object  # predicate(key value, query value)


def conjunction_leaves(agraph: AnnotatedGraph, sel: Node) -> list[ConjunctionLeaf] | None:
    """The leaves of a composite selector that is a plain And of Selects over one-hot SOps
    (TRUE leaves dropped), or None where the reference's tuple construction is kept."""
    p = sel.params
    if sel.kind != "select" or not p.get("composite"):
        return None
    if all(agraph.graph[c].kind != "tuple" for c in sel.children):
        return None  # one key SOp and one query SOp: the reference's table is as cheap
    leaves = list(p["leaf_reads"])
    if len(leaves) > 10 or not _is_conjunction(p["formula"], leaves):
        return None
    out = []
    for leaf in leaves:
        key, query = p["leaf_reads"][leaf]
        pred = p["leaf_preds"][leaf]
        if pred == rasp.Comparison.TRUE:
            continue
        if any(agraph.graph[s].encoding != CATEGORICAL or agraph.info[s].values is None
               for s in (key, query)):
            return None
        out.append(ConjunctionLeaf(key, query, pred))
    return out or None


def _is_conjunction(formula, leaves: list[str]) -> bool:
    """Whether the boolean formula is the And of all its leaves (checked on every assignment)."""
    for bits in itertools.product((False, True), repeat=len(leaves)):
        if bool(formula(dict(zip(leaves, bits, strict=True)))) != all(bits):
            return False
    return True


def conjunctions(agraph: AnnotatedGraph) -> dict[str, list[ConjunctionLeaf]]:
    """Composite selectors the economical layout scores as a sum of per-leaf scores."""
    out = {}
    for label in agraph.graph.order:
        leaves = conjunction_leaves(agraph, agraph.graph[label])
        if leaves is not None:
            out[label] = leaves
    return out


def unread_tuples(agraph: AnnotatedGraph, conj: dict) -> set[str]:
    """Tuple SOps that only conjunction heads read: they need no MLP and no dimension."""
    consumers = agraph.graph.consumers()
    return {label for label in agraph.graph.order
            if agraph.graph[label].kind == "tuple"
            and all(c in conj for c in consumers[label])}


def fusable_widths(agraph: AnnotatedGraph) -> dict[str, str]:
    """Map label -> SelectorWidth label, for a Map that is the only reader of a count.

    The count's MLP then discretises ``1/(w+1)`` straight to ``f(w)``: one MLP instead of
    two, no one-hot of the count, and often one layer less.
    """
    consumers = agraph.graph.consumers()
    out = {}
    for label in agraph.graph.order:
        node = agraph.graph[label]
        if node.kind != "map":
            continue
        (child,) = node.children
        width = agraph.graph[child]
        if (width.kind == "selector_width" and consumers[child] == [label]
                and child != agraph.graph.output and _small_outputs(agraph, label)):
            out[label] = child
    return out


FUSED_OUTPUT_BOUND = 1e6  # the fused staircase sums its steps' deltas: float64 rounding of
# that sum stays far below the 1e-5 contract while the outputs stay within this magnitude


def _small_outputs(agraph: AnnotatedGraph, label: str) -> bool:
    """A numerical Map is fused into its count only while its outputs are moderate: a lookup
    of the count's one-hot writes each value exactly, whatever the span (1e16 and 1.0)."""
    if agraph.graph[label].encoding != NUMERICAL:
        return True
    values = agraph.info[label].values
    return values is not None and all(
        isinstance(v, int | float) and abs(v) <= FUSED_OUTPUT_BOUND for v in values)
