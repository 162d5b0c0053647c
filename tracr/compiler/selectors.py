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


def _leaves(graph: Graph, label: str, out: list[str]) -> None:
    node = graph[label]
    if node.kind in ("select", "constant_selector"):
        if label not in out:
            out.append(label)
        return
    for child in node.children:
        _leaves(graph, child, out)


def _leaf_parts(graph: Graph, leaf: ExprNode) -> tuple[str, str, Callable]:
    """(key SOp, query SOp, predicate(key, query)) of one leaf."""
    if leaf.kind == "constant_selector":
        matrix = leaf.params["value"]

        def constant(k, q):
            return bool(q < len(matrix) and k < len(matrix[q]) and matrix[q][k])

        return "indices", "indices", constant
    keys, queries = leaf.children
    return keys, queries, leaf.params["predicate"]


def _combine(graph: Graph, label: str, leaf_fns: dict[str, Callable]) -> Callable:
    node = graph[label]
    if node.kind in ("select", "constant_selector"):
        return leaf_fns[label]
    parts = [_combine(graph, c, leaf_fns) for c in node.children]
    if node.kind == "selector_not":
        return lambda k, q: not parts[0](k, q)
    if node.kind == "selector_and":
        return lambda k, q: parts[0](k, q) and parts[1](k, q)
    return lambda k, q: parts[0](k, q) or parts[1](k, q)


def _formula(graph: Graph, label: str) -> Callable[[dict[str, bool]], bool]:
    """The selector as a boolean formula over its leaves' truth values."""
    node = graph[label]
    if node.kind in ("select", "constant_selector"):
        return lambda assign: assign[label]
    parts = [_formula(graph, c) for c in node.children]
    # numpy's logical functions serve both single truth values and whole boolean tables.
    if node.kind == "selector_not":
        return lambda assign: np.logical_not(parts[0](assign))
    if node.kind == "selector_and":
        return lambda assign: np.logical_and(parts[0](assign), parts[1](assign))
    return lambda assign: np.logical_or(parts[0](assign), parts[1](assign))


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
    combo = _combine(graph, label, leaf_fns)
    key_label = _tuple_node(graph, keys, new)
    query_label = _tuple_node(graph, queries, new)
    return dataclasses.replace(
        node, kind="select", children=(key_label, query_label),
        params={"predicate": combo, "composite": True, "formula": _formula(graph, label),
                "leaf_reads": {leaf: (p[0], p[1]) for leaf, p in parts.items()},
                "leaf_preds": {leaf: _none_safe(p[2]) for leaf, p in parts.items()},
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
