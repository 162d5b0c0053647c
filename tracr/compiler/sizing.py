"""The size a graph would compile to (layers, parameters), without assembling weights.

The economical layout's one graph rewrite (``economy_rewrites``) is not always smaller: on
tiny vocabularies a second head per layer can cost more than the one-hot it saves. The
compiler builds the blocks of both graphs and keeps the rewrite only when it is no deeper
and strictly smaller, so no program grows.
"""

from __future__ import annotations

from tracr.compiler import allocation, craft_to_model, graph_to_craft
from tracr.compiler.nodes import AnnotatedGraph


def estimated_size(agraph: AnnotatedGraph, settings, bos, pad) -> tuple[int, int]:
    """(layers, parameter count) of the model ``agraph`` compiles to, as ``assemble`` counts."""
    blocks = graph_to_craft.build_blocks(agraph, settings)
    alloc = allocation.allocate(agraph.graph, blocks)
    layers = craft_to_model.group_layers(blocks, alloc)
    d = craft_to_model.residual_space(agraph, blocks, bos, pad).num_dims
    heads = max([1] + [len(h) for h in layers.heads])
    key = max([1] + [craft_to_model._head_width(h) for hs in layers.heads for h in hs])
    hidden = max([1] + [sum(m.hidden_size for m in ms) for ms in layers.mlps])
    hk = heads * key
    per_layer = 4 * d * hk + 3 * hk + d + 2 * d * hidden + hidden + d
    embeddings = (len(agraph.vocab) + 2) * d + (agraph.max_seq_len + 1) * d
    return alloc.num_layers, alloc.num_layers * per_layer + embeddings
