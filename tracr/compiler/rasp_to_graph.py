"""Stage 1: trace a RASP program into a ``Graph``, visiting each expression once.

Expressions are keyed by ``unique_id`` (never by name: two expressions may share a name), the
walk is iterative (deep programs do not hit the recursion limit), and a shared
sub-expression is traced once however many paths lead to it. Two rewrites happen here:

* ``length`` becomes the width of an all-true selector on ``tokens`` (the label stays
  ``length``);
* a ``Map`` whose only input is a categorical ``SequenceMap`` used nowhere else is fused into
  it (``g(f(x, y))`` in one MLP), which saves a whole layer in programs such as ``reverse``.
"""

from __future__ import annotations

from collections.abc import Callable

from tracr.compiler.nodes import CATEGORICAL, NUMERICAL, ExprNode, Graph
from tracr.errors import RASPTypeError, UnsupportedExprError
from tracr.rasp import rasp


def _encoding(expr) -> str | None:
    if not isinstance(expr, rasp.SOp):
        return None
    return NUMERICAL if rasp.is_numerical(expr) else CATEGORICAL


def _label(expr) -> str:
    """Labels as the residual stream shows them; a renamed ``tokens`` is still ``tokens``."""
    if isinstance(expr, type(rasp.tokens)):
        return "tokens"
    if isinstance(expr, type(rasp.indices)):
        return "indices"
    if isinstance(expr, type(rasp.length)):
        return "length"
    return expr.label


node_label = _label


def _node(expr, kind: str, children=(), **params) -> ExprNode:
    return ExprNode(
        label=_label(expr),
        name=expr.name,
        kind=kind,
        children=tuple(_label(c) for c in children),
        encoding=_encoding(expr),
        expr=expr,
        params=params,
    )


def _linear_sequence_map(e) -> ExprNode:
    return _node(
        e, "linear_sequence_map", (e.fst, e.snd), f=e.f, fst_fac=e.fst_fac, snd_fac=e.snd_fac
    )


# Order matters: LinearSequenceMap is a SequenceMap, so it is looked up first.
_TRACERS: list[tuple[type, Callable]] = [
    (rasp.LinearSequenceMap, _linear_sequence_map),
    (rasp.SequenceMap, lambda e: _node(e, "sequence_map", (e.fst, e.snd), f=e.f)),
    (rasp.Map, lambda e: _node(e, "map", (e.inner,), f=e.f)),
    (rasp.Full, lambda e: _node(e, "full", fill=e.fill)),
    (rasp.ConstantSOp, lambda e: _node(e, "constant_sop", value=list(e.value))),
    (rasp.Select, lambda e: _node(e, "select", (e.keys, e.queries), predicate=e.predicate)),
    (rasp.Aggregate, lambda e: _node(e, "aggregate", (e.selector, e.sop), default=e.default)),
    (rasp.SelectorWidth, lambda e: _node(e, "selector_width", (e.selector,))),
    (rasp.SelectorAnd, lambda e: _node(e, "selector_and", (e.fst, e.snd))),
    (rasp.SelectorOr, lambda e: _node(e, "selector_or", (e.fst, e.snd))),
    (rasp.SelectorNot, lambda e: _node(e, "selector_not", (e.inner,))),
    # A constant selector is a predicate on positions: it reads indices (see selectors.py).
    (rasp.ConstantSelector,
     lambda e: _node(e, "constant_selector", (rasp.indices, rasp.indices), value=e.value)),
]


def _trace_one(expr) -> list[ExprNode]:
    label = _label(expr)
    if label == "tokens":
        return [_node(expr, "tokens")]
    if label == "indices":
        return [_node(expr, "indices")]
    if label == "length":
        return _length_nodes(expr)
    for cls, tracer in _TRACERS:
        if isinstance(expr, cls):
            return [tracer(expr)]
    raise UnsupportedExprError(
        f"{type(expr).__name__} {expr.label!r}: tracr does not know this expression type"
    )


def _length_nodes(expr) -> list[ExprNode]:
    """``length`` = SelectorWidth(Select(tokens, tokens, TRUE)), keeping the label."""
    select = ExprNode(
        label="length__all", name="length__all", kind="select", children=("tokens", "tokens"),
        encoding=None, expr=expr, params={"predicate": rasp.Comparison.TRUE},
    )
    width = ExprNode(
        label="length", name="length", kind="selector_width", children=(select.label,),
        encoding=_encoding(expr), expr=expr,
    )
    tokens = _node(rasp.tokens, "tokens")
    return [tokens, select, width]


def _children(expr) -> tuple:
    if _label(expr) == "length":
        return (rasp.tokens,)
    if isinstance(expr, rasp.ConstantSelector):
        return (rasp.indices,)
    return tuple(expr.children)


def trace(program) -> Graph:
    """All expressions reachable from ``program``, children before parents."""
    if not isinstance(program, rasp.SOp):
        raise RASPTypeError(
            f"the program to compile must be an SOp, got {type(program).__name__}"
            + (f" {program.label!r}" if isinstance(program, rasp.RASPExpr) else "")
        )
    nodes: dict[str, ExprNode] = {}
    order: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[object, bool]] = [(program, False)]
    while stack:
        expr, expanded = stack.pop()
        if expanded:
            for node in _trace_one(expr):
                if node.label not in nodes:
                    nodes[node.label] = node
                    order.append(node.label)
            continue
        if id(expr) in seen:
            continue
        seen.add(id(expr))
        stack.append((expr, True))
        stack.extend((c, False) for c in reversed(_children(expr)) if id(c) not in seen)
    return fuse_maps(Graph(nodes=nodes, order=tuple(order), output=_label(program)))


def _compose(outer: Callable, inner: Callable) -> Callable:
    def fused(x, y):
        z = inner(x, y)
        return None if z is None else outer(z)

    return fused


def fuse_maps(graph: Graph) -> Graph:
    """Fuse ``Map(g, SequenceMap(f, x, y))`` into one SequenceMap where that is exact."""
    consumers = graph.consumers()
    nodes = dict(graph.nodes)
    removed: set[str] = set()
    for label in graph.order:
        node = nodes[label]
        if node.kind != "map":
            continue
        (child_label,) = node.children
        child = nodes[child_label]
        if not _fusable(child, nodes, consumers, graph.output):
            continue
        nodes[label] = ExprNode(
            label=node.label, name=node.name, kind="sequence_map", children=child.children,
            encoding=node.encoding, expr=node.expr,
            params={"f": _compose(node.f, child.f), "fused": child.label},
        )
        removed.add(child_label)
    order = tuple(lab for lab in graph.order if lab not in removed)
    return Graph({lab: nodes[lab] for lab in order}, order, graph.output)


def _fusable(child: ExprNode, nodes: dict, consumers: dict, output: str) -> bool:
    if child.kind not in ("sequence_map", "linear_sequence_map"):
        return False
    if child.label == output or len(consumers[child.label]) != 1:
        return False
    return all(nodes[c].encoding == CATEGORICAL for c in child.children)


def extract_rasp_graph(tip):
    """The reference's ``extract_rasp_graph`` (adapter; the work is ``trace`` above, via
    ``tracr.compiler.staged``): an ``ExtractRaspGraphOutput(graph, sink, sources)`` whose
    graph is a ``networkx.DiGraph`` of ``Node`` dicts keyed by label."""
    from tracr.compiler import staged

    return staged.extract_rasp_graph(tip)


def __getattr__(name: str):
    if name == "ExtractRaspGraphOutput":  # defined beside the adapter, which imports us
        from tracr.compiler.staged import ExtractRaspGraphOutput

        return ExtractRaspGraphOutput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
