"""Stage 5: allocate every node to the earliest layer its inputs allow.

Sublayers are numbered in the order they run: the embeddings are -1, the attention sublayer
of layer L is 2L and its MLP 2L+1. A node is placed in the first sublayer of its kind that runs
after all its inputs are written; a SelectorWidth takes an attention sublayer and the MLP
right after it. Selectors compute nothing themselves: they are ready when their SOps are.
"""

from __future__ import annotations

import dataclasses

from tracr.compiler.graph_to_craft import NodeBlocks
from tracr.compiler.nodes import Graph

EMBED = -1


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a node is computed: its head's layer and its MLP's layer (None where absent)."""

    attn_layer: int | None
    mlp_layer: int | None
    ready: int  # the sublayer after which its value is in the residual stream


@dataclasses.dataclass(frozen=True)
class Allocation:
    placements: dict[str, Placement]
    num_layers: int


def _next(after: int, parity: int) -> int:
    """The first sublayer index > after with the given parity (0 attention, 1 MLP)."""
    s = after + 1
    return s if s % 2 == parity else s + 1


def allocate(graph: Graph, blocks: dict[str, NodeBlocks]) -> Allocation:
    ready: dict[str, int] = {}
    placements: dict[str, Placement] = {}
    for label in graph.order:
        node = graph[label]
        after = max((ready[c] for c in node.children), default=EMBED)
        if node.is_selector:
            ready[label] = after
            continue
        block = blocks[label]
        attn = mlp = None
        if block.head is not None:
            attn = _next(after, 0)
            after = attn
        if block.mlp is not None:
            mlp = _next(after, 1)
            after = mlp
        ready[label] = after
        placements[label] = Placement(
            attn_layer=None if attn is None else attn // 2,
            mlp_layer=None if mlp is None else mlp // 2,
            ready=after,
        )
    last = max((p.ready for p in placements.values()), default=EMBED)
    return Allocation(placements, num_layers=max(1, (last + 2) // 2))
