"""Plain-data descriptions of what was compiled where (for viewers, exporters and goldens)."""

from __future__ import annotations

from tracr.compiler.allocation import Allocation
from tracr.compiler.graph_to_craft import NodeBlocks
from tracr.compiler.nodes import AnnotatedGraph, ExprNode
from tracr.craft.bases import value_sort_key
from tracr.model.layout import BlockInfo, Layout, NodeInfo

_MAX_SHOWN = 12


def describe_node(node: ExprNode) -> str:
    """A one-line rendering of an expression, like ``aggregate(select_3, tokens)``."""
    p = node.params
    if node.kind == "select" and "predicate" in p:
        pred = p["predicate"]
        pred_s = getattr(pred, "name", "composite")
        return f"select({node.children[0]}, {node.children[1]}, {pred_s})"
    if node.kind == "aggregate":
        return f"aggregate({', '.join(node.children)}, default={p['default']!r})"
    if node.kind == "full":
        return f"full({p['fill']!r})"
    if node.kind in ("tokens", "indices"):
        return node.kind
    return f"{node.kind}({', '.join(node.children)})"


def _values(agraph: AnnotatedGraph, label: str) -> str:
    info = agraph.info.get(label)
    if info is None or info.values is None:
        return ""
    vals = sorted(info.values, key=value_sort_key)  # total over mixed types and tuples
    shown = ", ".join(repr(v) for v in vals[:_MAX_SHOWN])
    more = f", ... ({len(vals)} values)" if len(vals) > _MAX_SHOWN else ""
    none = " | None" if info.may_be_none else ""
    return "{" + shown + more + "}" + none


def _node_info(agraph, label: str, alloc: Allocation) -> NodeInfo:
    node = agraph.graph[label]
    place = alloc.placements.get(label)
    layer = sublayer = None
    if place is not None and place.attn_layer is not None:
        layer, sublayer = place.attn_layer, "attn"
    elif place is not None and place.mlp_layer is not None:
        layer, sublayer = place.mlp_layer, "mlp"
    return NodeInfo(
        label=label, name=node.name, kind=node.kind, encoding=node.encoding,
        children=node.children, description=describe_node(node),
        values=_values(agraph, label), layer=layer, sublayer=sublayer,
    )


def describe_layout(agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks], alloc, layers) -> Layout:
    """Blocks in (layer, sublayer, head) order and nodes in dependency order."""
    infos = []
    for layer, heads in enumerate(layers.heads):
        for h, head in enumerate(heads):
            node = agraph.graph[head.label]
            infos.append(BlockInfo(
                layer=layer, sublayer="attn", label=head.label, kind=node.kind,
                description=describe_node(node), head=h,
                reads=tuple(head.w_qk.left_space.labels + head.w_qk.right_space.labels
                            + head.w_ov.input_space.labels),
                writes=tuple(head.w_ov.output_space.labels),
            ))
        start = 0
        for mlp in layers.mlps[layer]:
            node = agraph.graph[mlp.label]
            infos.append(BlockInfo(
                layer=layer, sublayer="mlp", label=mlp.label, kind=node.kind,
                description=describe_node(node), hidden=(start, start + mlp.hidden_size),
                reads=tuple(mlp.fst.input_space.labels), writes=tuple(mlp.snd.output_space.labels),
            ))
            start += mlp.hidden_size
    nodes = tuple(_node_info(agraph, label, alloc) for label in agraph.graph.order)
    return Layout(blocks=tuple(infos), nodes=nodes, output=agraph.graph.output)
