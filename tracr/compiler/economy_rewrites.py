"""Stage 2b, economical layout only: rewrite a sort's rank into two cheap counts.

``make_sort`` ranks keys made unique by ``u = f(k, y)`` (``k + i / n``): the reference holds
``u`` as a one-hot of every (k, y) pair and counts ``SelectorWidth(Select(u, u, LT))`` over
it. When ``f`` orders the pairs lexicographically (checked on every pair of values), then

    u_j < u_i   <=>   k_j < k_i   or   (k_j == k_i and y_j < y_i)

and the two cases are disjoint, so the count is a sum of two counts, each a head over the
one-hots ``k`` and ``y`` the residual already holds:

    SelectorWidth(Select(u, u, LT))
        =  SelectorWidth(Select(k, k, LT))  +  SelectorWidth(Select(k, k, EQ) & Select(y, y, LT))

(GT likewise, with GT in both places). The sum is only rewritten where the economical layout
then holds it as a number and its square (``economy``: it is read only as the key of EQ
selectors against one-hot integer queries); otherwise the reference construction is kept.
The rewrite keeps the count's label, so layouts and messages still name the user's SOp.
"""

from __future__ import annotations

import dataclasses
import operator

from tracr.compiler import economy, selectors
from tracr.compiler.nodes import CATEGORICAL, AnnotatedGraph, Graph, Node
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


def _rank_parts(agraph: AnnotatedGraph, width: Node) -> tuple[str, str, object] | None:
    sel = agraph.graph[width.children[0]]
    pred = sel.params.get("predicate")
    if sel.kind != "select" or sel.params.get("composite") or pred not in _ORDERS:
        return None
    keys, queries = sel.children
    if keys != queries or width.label == agraph.graph.output:
        return None
    parts = _lexicographic(agraph, agraph.graph[keys])
    return None if parts is None else (*parts, pred)


def _new_nodes(width: Node, k: str, y: str, pred) -> list[Node]:
    base = width.label

    def node(suffix: str, kind: str, children: tuple, encoding=None, **params) -> Node:
        return Node(label=f"{base}__{suffix}", name=f"{width.name}__{suffix}", kind=kind,
                    children=children, encoding=encoding, expr=width.expr, params=params)

    return [
        node("order", "select", (k, k), predicate=pred),
        node("before", "selector_width", (f"{base}__order",), CATEGORICAL),
        node("same", "select", (k, k), predicate=rasp.Comparison.EQ),
        node("tie_order", "select", (y, y), predicate=pred),
        node("tie", "selector_and", (f"{base}__same", f"{base}__tie_order")),
        node("tied_before", "selector_width", (f"{base}__tie",), CATEGORICAL),
    ]


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
        new = _new_nodes(node, *parts)
        for n in new:
            nodes[n.label] = n
        order.extend(n.label for n in new)
        nodes[label] = dataclasses.replace(
            node, kind="sequence_map", children=(new[1].label, new[-1].label),
            params={"f": operator.add},
        )
        order.append(label)
        changed = True
    if not changed:
        return None
    return selectors.flatten_selectors(Graph(nodes, tuple(order), graph.output))
