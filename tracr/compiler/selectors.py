"""Stage 1b: turn every selector into one flat ``Select`` a single head can compute.

An attention head scores query features against key features with one bilinear form, so a
selector must become ``pred(K[k], Q[q])`` for a single key SOp ``K`` and a single query SOp
``Q``. A plain Select already is. For composite selectors (And / Or / Not of Selects, of any
depth) and constant selectors:

* the distinct key SOps of the leaves are bundled into one *tuple* SOp ``K = (k_1, ..., k_m)``
  (likewise the queries), and the boolean combination of the leaf predicates becomes one
  predicate on tuples. When every leaf reads the same key SOp and the same query SOp, no tuple
  is needed and the selector costs nothing beyond one head.
* a tuple SOp of m > 1 parts costs one MLP (see ``chamber.categorical_mlp.product_mlp``): hidden
  width = the product of the parts' value counts, and a layer when the parts are not ready.
* ``ConstantSelector(matrix)`` becomes a predicate on ``(indices, indices)``.

A None has no one-hot: a key or query tuple with a None part is all zero, so the head selects
nothing there. The evaluator makes every leaf that reads a None False, and the combination may
still be True (``Not``, ``Or``); validation refuses exactly those selectors (see
``validating``), and accepts e.g. ``And(Select(indices, ...), Select(maybe_none, ...))``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from tracr.compiler.nodes import CATEGORICAL, ExprNode, Graph
from tracr.rasp import rasp

Combo = Callable[[tuple, tuple], bool]


def _postorder(graph: Graph, label: str) -> list[str]:
    """The selector's nodes, children first, each once; iterative, so any depth works."""
    out: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[str, bool]] = [(label, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            out.append(current)
            continue
        if current in seen:
            continue
        seen.add(current)
        stack.append((current, True))
        node = graph[current]
        if node.kind not in ("select", "constant_selector"):
            stack.extend((c, False) for c in reversed(node.children) if c not in seen)
    return out


def _leaves(graph: Graph, label: str, out: list[str]) -> None:
    out.extend(lab for lab in _postorder(graph, label)
               if graph[lab].kind in ("select", "constant_selector"))


@dataclasses.dataclass(frozen=True)
class Formula:
    """A composite selector as a boolean formula over its leaves, evaluated without recursion.

    ``ops`` lists (label, kind, children) children first; the last op is the selector. Calling
    it on {leaf: truth value or boolean table} combines them with numpy's logical functions.
    """

    ops: tuple[tuple[str, str, tuple[str, ...]], ...]

    def __call__(self, assign: dict):
        values = dict(assign)
        for label, kind, children in self.ops:
            if kind == "selector_not":
                values[label] = np.logical_not(values[children[0]])
            elif kind == "selector_and":
                values[label] = np.logical_and(values[children[0]], values[children[1]])
            elif kind == "selector_or":
                values[label] = np.logical_or(values[children[0]], values[children[1]])
        return values[self.ops[-1][0]]

    def can_be_true(self, fixed: dict[str, bool]) -> bool:
        """Whether some values of the leaves not in ``fixed`` make the formula True.

        Each node gets the set of values it can take (a leaf outside ``fixed`` can take
        both); a leaf used twice is treated as two free leaves, so the answer may be True
        where it is not (conservative), never the other way. Linear in the formula's size.
        """
        both = frozenset({False, True})
        can: dict[str, frozenset] = {}
        for label, kind, children in self.ops:
            parts = [can[c] for c in children] if kind.startswith("selector_") else []
            if kind == "selector_not":
                can[label] = frozenset(not v for v in parts[0])
            elif kind == "selector_and":
                can[label] = frozenset(a and b for a in parts[0] for b in parts[1])
            elif kind == "selector_or":
                can[label] = frozenset(a or b for a in parts[0] for b in parts[1])
            else:
                can[label] = frozenset({fixed[label]}) if label in fixed else both
        return True in can[self.ops[-1][0]]


def _formula(graph: Graph, label: str) -> Formula:
    return Formula(tuple((lab, graph[lab].kind, tuple(graph[lab].children))
                         for lab in _postorder(graph, label)))


def _leaf_parts(graph: Graph, leaf: ExprNode) -> tuple[str, str, Callable]:
    """(key SOp, query SOp, predicate(key, query)) of one leaf."""
    if leaf.kind == "constant_selector":
        matrix = leaf.params["value"]

        def constant(k, q):
            return bool(q < len(matrix) and k < len(matrix[q]) and matrix[q][k])

        return "indices", "indices", constant
    keys, queries = leaf.children
    return keys, queries, leaf.params["predicate"]


def _none_safe(pred: Callable) -> Callable:
    """User predicates follow the evaluator's None rule: False on a None key or query."""
    if isinstance(pred, rasp.Comparison):
        return pred
    return lambda k, q: False if k is None or q is None else pred(k, q)


def _tuple_node(graph: Graph, labels: list[str], new: dict[str, ExprNode]) -> str:
    if len(labels) == 1:
        return labels[0]
    label = "tuple(" + ",".join(labels) + ")"
    if label not in new and label not in graph.nodes:
        new[label] = ExprNode(
            label=label, name=label, kind="tuple", children=tuple(labels),
            encoding=CATEGORICAL, expr=None, params={"f": lambda *xs: tuple(xs)},
        )
    return label


def _accessor(labels: list[str], label: str) -> Callable:
    if len(labels) == 1:
        return lambda value: value
    i = labels.index(label)
    return lambda value: value[i]


def _flatten(graph: Graph, label: str, new: dict[str, ExprNode]) -> ExprNode:
    node = graph[label]
    leaves: list[str] = []
    _leaves(graph, label, leaves)
    parts = {leaf: _leaf_parts(graph, graph[leaf]) for leaf in leaves}
    keys = sorted({p[0] for p in parts.values()})
    queries = sorted({p[1] for p in parts.values()})
    leaf_fns = {}
    for leaf, (k, q, pred) in parts.items():
        get_k, get_q = _accessor(keys, k), _accessor(queries, q)
        leaf_fns[leaf] = (lambda gk, gq, p: lambda kv, qv: bool(p(gk(kv), gq(qv))))(
            get_k, get_q, _none_safe(pred)
        )
    formula = _formula(graph, label)

    def combo(kv, qv) -> bool:
        return bool(formula({leaf: fn(kv, qv) for leaf, fn in leaf_fns.items()}))

    key_label = _tuple_node(graph, keys, new)
    query_label = _tuple_node(graph, queries, new)
    return dataclasses.replace(
        node, kind="select", children=(key_label, query_label),
        params={"predicate": combo, "composite": True, "formula": formula,
                "leaf_reads": {leaf: (p[0], p[1]) for leaf, p in parts.items()},
                "leaf_preds": {leaf: _none_safe(p[2]) for leaf, p in parts.items()},
                "leaf_raw_preds": {leaf: p[2] for leaf, p in parts.items()},
                "key_parts": tuple(keys), "query_parts": tuple(queries)},
    )


def flatten_selectors(graph: Graph) -> Graph:
    """Rewrite composite and constant selectors used by heads into flat Selects."""
    used = {graph[lab].children[0] for lab in graph.order
            if graph[lab].kind in ("aggregate", "selector_width")}
    nodes = dict(graph.nodes)
    new: dict[str, ExprNode] = {}
    for label in graph.order:
        node = graph[label]
        if label in used and node.kind != "select":
            nodes[label] = _flatten(graph, label, new)
    order: list[str] = []
    for label in graph.order:
        for child in nodes[label].children:
            if child in new and child not in order:
                order.append(child)
        order.append(label)
    nodes.update(new)
    # Keep only what the output still needs: composite parts may have become dead.
    return _prune(Graph(nodes, tuple(order), graph.output))


def _prune(graph: Graph) -> Graph:
    live = {graph.output}
    for label in reversed(graph.order):
        if label in live:
            live.update(graph[label].children)
    order = tuple(lab for lab in graph.order if lab in live)
    return Graph({lab: graph[lab] for lab in order}, order, graph.output)
