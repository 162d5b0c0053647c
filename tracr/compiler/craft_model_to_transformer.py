"""The reference's ``craft_model_to_transformer`` (adapter; the work is ``craft_to_model``,
via ``tracr.compiler.assemble``).
"""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx

from tracr.compiler import assemble, staged
from tracr.compiler.nodes import COMPILER_BOS, COMPILER_PAD, EXPR, Node
from tracr.rasp import rasp


def craft_model_to_transformer(
    craft_model,
    graph: nx.DiGraph,
    sink: Node,
    max_seq_len: int,
    compiler_bos: Hashable = COMPILER_BOS,
    compiler_pad: Hashable = COMPILER_PAD,
    causal: bool = False,
) -> assemble.AssembledTransformerModel:
    """The model of ``craft_model``, with the encoders of ``graph``'s vocabulary and output."""
    tokens, indices, output = staged.spaces_for(graph, sink, max_seq_len, compiler_bos,
                                                compiler_pad)
    return assemble.assemble_craft_model(
        craft_model, tokens, indices, output, rasp.is_categorical(sink[EXPR]), causal,
        compiler_bos=compiler_bos, compiler_pad=compiler_pad,
    )
