"""Stage 2b, economical layout only: rewrite a sort's rank into two cheap counts.

``make_sort`` ranks keys made unique by ``u = f(k, y)`` (``k + i / n``): the reference holds
``u`` as a one-hot of every (k, y) pair and counts ``SelectorWidth(Select(u, u, LT))`` over
it. When ``f`` orders the pairs lexicographically (checked on every pair of values), then

    u_j < u_i   <=>   k_j < k_i   or   (k_j == k_i and y_j < y_i)

and the two cases are disjoint, so the count is a sum of two counts, each a head over the
one-hots ``k`` and ``y`` the residual already holds:

    SelectorWidth(Select(u, u, LT))
        =  SelectorWidth(Select(k, k, LT))  +  SelectorWidth(Select(k, k, EQ) & Select(y, y, LT))

(GT likewise, with GT in both places). The paper's sort with duplicates writes this Or itself
(``A | (B & C)``); any such Or whose ``A`` never holds together with one of the ``B``s is
split the same way. The sum is only rewritten where the economical layout
then holds it as a number and its square (``economy``: it is read only as the key of EQ
selectors against one-hot integer queries); otherwise the reference construction is kept.
The rewrite keeps the count's label, so layouts and messages still name the user's SOp.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator

from tracr.compiler import economy, selectors
from tracr.compiler.nodes import CATEGORICAL, AnnotatedGraph, Graph, total_predicate
from tracr.compiler.nodes import ExprNode as Node
from tracr.rasp import rasp

_ORDERS = {rasp.Comparison.LT: operator.lt, rasp.Comparison.GT: operator.gt}


def _lexicographic(agraph: AnnotatedGraph, u: Node) -> tuple[str, str] | None:
    """(k, y) when ``u = f(k, y)`` is strictly increasing in the lexicographic order of (k, y)."""
    if u.kind not in ("sequence_map", "linear_sequence_map") or len(set(u.children)) != 2:
        return None
    k, y = u.children
    for label in (k, y):
        info = agraph.info[label]
        if (agraph.graph[label].encoding != CATEGORICAL or info.may_be_none
                or not info.values or not _numbers(info.values)):
            return None
    previous = None
    try:
        for kv in sorted(agraph.info[k].values):
            for yv in sorted(agraph.info[y].values):
                value = u.f(kv, yv)
                if not _numbers([value]) or (previous is not None and not value > previous):
                    return None
                previous = value
    except Exception:  # noqa: BLE001 - f raises somewhere: keep the reference
        return None
    return k, y


def _numbers(values) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


Leaf = tuple[str, str, object]  # (key SOp, query SOp, predicate(key, query))


def _rank_parts(agraph: AnnotatedGraph, width: Node) -> tuple[list[Leaf], list[Leaf]] | None:
    """The leaves of two disjoint selectors whose counts add up to ``width``, or None."""
    if width.label == agraph.graph.output:
        return None
    sel = agraph.graph[width.children[0]]
    if sel.kind != "select":
        return None
    if sel.params.get("composite"):
        return _disjoint_or(agraph, sel)
    pred = sel.params.get("predicate")
    keys, queries = sel.children
    if pred not in _ORDERS or keys != queries:
        return None
    parts = _lexicographic(agraph, agraph.graph[keys])
    if parts is None:
        return None
    k, y = parts
    return [(k, k, pred)], [(k, k, rasp.Comparison.EQ), (y, y, pred)]


def _disjoint_or(agraph: AnnotatedGraph, sel: Node) -> tuple[list[Leaf], list[Leaf]] | None:
    """``A | (B1 & B2 & ...)`` where A and some B_i never hold together (checked on every pair
    of values), as in the paper's sort with duplicates: then the count of the Or is the sum
    of the two counts."""
    p = sel.params
    names = list(p["leaf_reads"])
    if not 2 <= len(names) <= 8:
        return None
    leaves = {n: (*p["leaf_reads"][n], p["leaf_preds"][n]) for n in names}
    for first in names:
        rest = [n for n in names if n != first]
        if not _is_or_of_and(p["formula"], first, rest, names):
            continue
        if any(_never_together(agraph, leaves[first], leaves[n]) for n in rest):
            return [leaves[first]], [leaves[n] for n in rest]
    return None


def _is_or_of_and(formula, first: str, rest: list[str], names: list[str]) -> bool:
    for bits in itertools.product((False, True), repeat=len(names)):
        assign = dict(zip(names, bits, strict=True))
        if bool(formula(assign)) != (assign[first] or all(assign[n] for n in rest)):
            return False
    return True


def _never_together(agraph: AnnotatedGraph, a: Leaf, b: Leaf) -> bool:
    if a[:2] != b[:2]:
        return False
    keys, queries = (agraph.info[s].values for s in a[:2])
    if keys is None or queries is None or len(keys) * len(queries) > 1_000_000:
        return False
    holds_a, holds_b = total_predicate(a[2]), total_predicate(b[2])
    return not any(holds_a(k, q) and holds_b(k, q) for k in keys for q in queries)


def _count_nodes(width: Node, tag: str, leaves: list[Leaf]) -> list[Node]:
    """Plain Selects for ``leaves``, their And, and its SelectorWidth (the last node)."""
    base = f"{width.label}__{tag}"

    def node(label: str, kind: str, children: tuple, encoding=None, **params) -> Node:
        name = width.name + label[len(width.label):]
        return Node(label=label, name=name, kind=kind, children=children, encoding=encoding,
                    expr=width.expr, params=params)

    nodes = [node(f"{base}_sel{i}", "select", (k, q), predicate=pred)
             for i, (k, q, pred) in enumerate(leaves)]
    current = nodes[0].label
    for i, leaf in enumerate(nodes[1:], start=1):
        nodes.append(node(f"{base}_and{i}", "selector_and", (current, leaf.label)))
        current = nodes[-1].label
    nodes.append(node(base, "selector_width", (current,), CATEGORICAL))
    return nodes


def split_ranks(agraph: AnnotatedGraph) -> Graph | None:
    """The graph with every eligible rank rewritten as a sum of two counts, or None."""
    graph = agraph.graph
    consumers = graph.consumers()
    nodes, order, changed = dict(graph.nodes), [], False
    for label in graph.order:
        node = graph[label]
        parts = _rank_parts(agraph, node) if node.kind == "selector_width" else None
        if parts is None or economy.eq_role(agraph, label, consumers) != "key":
            order.append(label)
            continue
        first = _count_nodes(node, "before", parts[0])
        second = _count_nodes(node, "tied_before", parts[1])
        for n in first + second:
            nodes[n.label] = n
        order.extend(n.label for n in first + second)
        nodes[label] = dataclasses.replace(
            node, kind="sequence_map", children=(first[-1].label, second[-1].label),
            params={"f": operator.add},
        )
        order.append(label)
        changed = True
    if not changed:
        return None
    return selectors.flatten_selectors(Graph(nodes, tuple(order), graph.output))
