"""The reference's staged pipeline on ``networkx`` graphs (adapter; the work is done by our
stages ``rasp_to_graph``, ``selectors``, ``basis_inference``, ``graph_to_craft``,
``allocation`` and ``craft_to_model``, exactly as ``compiling`` calls them).

Code written for the reference runs the compiler one stage at a time on a ``networkx.DiGraph``
whose node ids are expression labels and whose nodes are ``Node`` dicts::

    extracted = rasp_to_graph.extract_rasp_graph(program)          # ID, EXPR
    basis_inference.infer_bases(extracted.graph, extracted.sink, vocab, max_seq_len)
                                                                   # + VALUE_SET, OUTPUT_BASIS
    expr_to_craft_graph.add_craft_components_to_rasp_graph(extracted.graph, bos_dir=...)
                                                                   # + MODEL_BLOCK
    craft_model = craft_graph_to_model.craft_graph_to_model(extracted.graph, extracted.sources)
    model = craft_model_to_transformer.craft_model_to_transformer(craft_model, extracted.graph,
        extracted.sink, max_seq_len, compiler_bos, compiler_pad, causal)

Each function here is one of those stages. Our own stage results (frozen) ride along in
``graph.graph`` under ``STATE``; what a user may edit between stages is read back from the
node dicts: a changed ``VALUE_SET`` replaces the inferred set, a replaced ``MODEL_BLOCK``
(an ``MLP``, ``AttentionHead`` or a ``SeriesWithResiduals`` of one head then one MLP)
replaces the node's blocks. A ``Map`` fused into the ``SequenceMap`` it reads (see
``rasp_to_graph``) keeps its node, but the work, the value set and the block are the
SequenceMap consumer's: its own node gets no ``VALUE_SET`` or ``MODEL_BLOCK``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable

import networkx as nx

from tracr.compiler import (
    allocation,
    basis_inference,
    graph_to_craft,
    lookahead,
    rasp_to_graph,
    selectors,
    validating,
)
from tracr.compiler.craft_to_model import group_layers
from tracr.compiler.nodes import (
    COMPILER_BOS,
    EXPR,
    ID,
    MODEL_BLOCK,
    NUMERICAL,
    OUTPUT_BASIS,
    VALUE_SET,
    Node,
)
from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP, AttentionHead, MultiAttentionHead, SeriesWithResiduals
from tracr.errors import CompilerError, UnsupportedExprError
from tracr.rasp import rasp

DEFAULT_BOS_DIR = BasisDirection("tokens", COMPILER_BOS)
STATE = "tracr"  # graph.graph[STATE]: our stage results, a dict filled stage by stage


@dataclasses.dataclass(frozen=True)
class ExtractRaspGraphOutput:
    graph: nx.DiGraph
    sink: Node  # the program's node
    sources: list[Node]  # nodes without inputs (tokens, indices, constants)


def extract_rasp_graph(tip: rasp.SOp) -> ExtractRaspGraphOutput:
    """One node per expression reachable from ``tip`` (keyed by label), edges child -> parent."""
    ours = selectors.flatten_selectors(rasp_to_graph.trace(tip))
    graph = nx.DiGraph()
    seen: set[int] = set()
    stack = [tip]
    while stack:
        expr = stack.pop()
        if id(expr) in seen:
            continue
        seen.add(id(expr))
        label = rasp_to_graph.node_label(expr)
        graph.add_node(label, **{ID: label, EXPR: expr})
        for child in expr.children:
            graph.add_edge(rasp_to_graph.node_label(child), label)
            stack.append(child)
    graph.graph[STATE] = {"graph": ours}
    sink = graph.nodes[rasp_to_graph.node_label(tip)]
    sources = [graph.nodes[n] for n in graph.nodes if graph.in_degree(n) == 0]
    return ExtractRaspGraphOutput(graph, sink, sources)


def _state(graph: nx.DiGraph, key: str, stage: str) -> object:
    state = graph.graph.get(STATE, {}) if isinstance(graph, nx.DiGraph) else {}
    if key not in state:
        raise CompilerError(
            f"{stage} needs a graph from rasp_to_graph.extract_rasp_graph that went through "
            "the earlier stages (extract_rasp_graph, infer_bases, "
            "add_craft_components_to_rasp_graph, craft_graph_to_model) in order"
        )
    return state[key]


def infer_bases(graph: nx.DiGraph, sink: Node, vocab: Iterable[Hashable], max_seq_len: int):
    """Fill ``VALUE_SET`` (SOps) and ``OUTPUT_BASIS`` (their residual directions)."""
    ours = _state(graph, "graph", "infer_bases")
    try:
        vocab_set = frozenset(vocab)
    except TypeError as exc:
        raise CompilerError(f"vocab must be a set of hashable tokens: {exc}") from exc
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len < 1:
        raise CompilerError(f"max_seq_len must be an integer >= 1, got {max_seq_len!r}")
    agraph = basis_inference.infer_value_sets(ours, vocab_set, max_seq_len, causal=False)
    for label, info in agraph.info.items():
        if label not in graph.nodes:
            continue
        if info.values is not None:  # None: too many to list, and nothing needs them
            graph.nodes[label][VALUE_SET] = set(info.values)
        if info.values is not None or ours[label].encoding == NUMERICAL:
            space = graph_to_craft.output_space(agraph, label)
            graph.nodes[label][OUTPUT_BASIS] = list(space.basis)
    graph.graph[STATE]["values"] = agraph


def _read_value_sets(graph: nx.DiGraph, agraph):
    """The inferred value information, with every ``VALUE_SET`` the user changed."""
    info = dict(agraph.info)
    for label, value_info in agraph.info.items():
        edited = graph.nodes[label].get(VALUE_SET) if label in graph.nodes else None
        if edited is not None and frozenset(edited) != value_info.values:
            info[label] = dataclasses.replace(value_info, values=frozenset(edited))
    return dataclasses.replace(agraph, info=info)


def add_craft_components_to_rasp_graph(
    graph: nx.DiGraph,
    bos_dir: BasisDirection = DEFAULT_BOS_DIR,
    one_dir: BasisDirection = graph_to_craft.ONE,
    causal: bool = False,
    mlp_exactness: float | None = None,
) -> None:
    """Fill ``MODEL_BLOCK`` of every SOp node computed by a head and/or an MLP."""
    agraph = _read_value_sets(graph, _state(graph, "values", "add_craft_components_to_rasp_graph"))
    if one_dir != graph_to_craft.ONE:
        raise CompilerError(f"one_dir must be {graph_to_craft.ONE!r}, got {one_dir!r}")
    agraph = dataclasses.replace(agraph, causal=causal)
    problems = validating.static_problems(agraph)
    if problems:
        raise UnsupportedExprError([str(p) for p in problems])
    if causal:
        program = graph.nodes[agraph.graph.output][EXPR]
        lookahead.warn_if_lookahead(program, agraph.vocab, agraph.max_seq_len)
    settings = graph_to_craft.CraftSettings(
        bos=bos_dir, coldness=graph_to_craft.coldness_for(agraph.max_seq_len),
        mlp_exactness=mlp_exactness, causal=causal,
        layout="reference",  # the reference's stages: one block per expression
    )
    blocks = graph_to_craft.build_blocks(agraph, settings)
    given = {}
    for label, b in blocks.items():
        if label in graph.nodes:
            given[label] = graph.nodes[label][MODEL_BLOCK] = _model_block(b)
    graph.graph[STATE].update(craft=(agraph, blocks, settings, given))


def _model_block(b: graph_to_craft.NodeBlocks):
    if b.head is not None and b.mlp is not None:
        return SeriesWithResiduals([b.head, b.mlp])
    return b.head if b.head is not None else b.mlp


def _read_block(graph: nx.DiGraph, b: graph_to_craft.NodeBlocks, given: dict):
    """``b``, or the blocks the user put in ``MODEL_BLOCK`` instead of ours."""
    if b.label not in graph.nodes or graph.nodes[b.label].get(MODEL_BLOCK) is given[b.label]:
        return b
    block = graph.nodes[b.label].get(MODEL_BLOCK)
    parts = block.blocks if isinstance(block, SeriesWithResiduals) else [block]
    heads = [p for p in parts if isinstance(p, AttentionHead)]
    mlps = [p for p in parts if isinstance(p, MLP)]
    if len(heads) > 1 or len(mlps) > 1 or len(heads) + len(mlps) != len(parts):
        raise CompilerError(
            f"MODEL_BLOCK of {b.label!r} must be an MLP, an AttentionHead, or a "
            f"SeriesWithResiduals of one head then one MLP; got {type(block).__name__}"
        )
    spaces = [s for s in (b.extra_space, *(p.residual_space for p in parts)) if s is not None]
    # The layout names each block after its node, whatever label the user's block carries.
    heads = [dataclasses.replace(h, label=b.label) for h in heads]
    mlps = [dataclasses.replace(m, label=b.label) for m in mlps]
    return dataclasses.replace(
        b, head=heads[0] if heads else None, mlp=mlps[0] if mlps else None,
        extra_space=join_vector_spaces(*spaces) if spaces else None,
    )


@dataclasses.dataclass
class StagedCraftModel(SeriesWithResiduals):
    """The craft model of ``craft_graph_to_model``: the blocks layer by layer (each layer's
    heads as one ``MultiAttentionHead``, its MLPs combined), plus our stage results so that
    ``assemble`` lays out the weights exactly as ``compile_rasp_to_model`` does."""

    staged: tuple | None = None


def craft_graph_to_model(graph: nx.DiGraph, sources: list[Node] | None = None):
    """Allocate every block to a layer and return the model as a ``SeriesWithResiduals``."""
    agraph, blocks, settings, given = _state(graph, "craft", "craft_graph_to_model")
    blocks = {label: _read_block(graph, b, given) for label, b in blocks.items()}
    alloc = allocation.allocate(agraph.graph, blocks)
    layers = group_layers(blocks, alloc)
    series: list = []
    for heads, mlps in zip(layers.heads, layers.mlps, strict=True):
        if heads:
            series.append(heads[0] if len(heads) == 1 else MultiAttentionHead(list(heads)))
        if mlps:
            series.append(mlps[0] if len(mlps) == 1 else MLP.combine_in_parallel(mlps))
    return StagedCraftModel(series, staged=(agraph, blocks, alloc, settings, tuple(series)))


def spaces_for(graph: nx.DiGraph, sink: Node, max_seq_len: int, bos, pad):
    """The reference's ``tokens_space``, ``indices_space`` and ``output_space`` of a graph."""
    agraph = _state(graph, "values", "craft_model_to_transformer")
    vocab = graph_to_craft.sorted_values(agraph.vocab)
    tokens = VectorSpaceWithBasis.from_values("tokens", [*vocab, bos, pad])
    indices = VectorSpaceWithBasis.from_values("indices", range(max_seq_len))
    return tokens, indices, VectorSpaceWithBasis(list(sink[OUTPUT_BASIS]))
