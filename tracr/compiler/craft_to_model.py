"""Stage 6: assemble the blocks into weight matrices of a ``CompiledModel``.

The residual stream is the sorted direct sum of: ``tokens:*`` (vocabulary, BOS, PAD),
``indices:*``, ``one``, each SOp's space and scratch directions. Each head's bilinear score
``x_q M x_k^T`` is factored as ``W_Q W_K^T`` through whichever of its two spaces is smaller
(likewise ``W_OV = W_V W_O``); heads of a layer are stacked, narrower heads zero-padded to
``key_size``, and ``W_Q`` is multiplied by ``sqrt(key_size)`` to cancel the standard scaling.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from tracr.compiler.allocation import Allocation
from tracr.compiler.graph_to_craft import ONE, NodeBlocks, sorted_values
from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph
from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP, AttentionHead
from tracr.model import (
    CategoricalOutputEncoder,
    CompiledModel,
    InputEncoder,
    ModelConfig,
    NumericalOutputEncoder,
)
from tracr.model.forward import layer_prefix


@dataclasses.dataclass(frozen=True)
class Layers:
    """Blocks grouped by layer: heads[L] and mlps[L] run in layer L."""

    heads: list[list[AttentionHead]]
    mlps: list[list[MLP]]


def group_layers(blocks: dict[str, NodeBlocks], alloc: Allocation) -> Layers:
    heads: list[list[AttentionHead]] = [[] for _ in range(alloc.num_layers)]
    mlps: list[list[MLP]] = [[] for _ in range(alloc.num_layers)]
    for label, place in alloc.placements.items():
        if place.attn_layer is not None:
            heads[place.attn_layer].append(blocks[label].head)
        if place.mlp_layer is not None:
            mlps[place.mlp_layer].append(blocks[label].mlp)
    return Layers(heads, mlps)


def residual_space(
    agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks], bos, pad
) -> VectorSpaceWithBasis:
    tokens = VectorSpaceWithBasis.from_values("tokens", [*sorted_values(agraph.vocab), bos, pad])
    indices = VectorSpaceWithBasis.from_values("indices", range(agraph.max_seq_len))
    spaces = [tokens, indices, VectorSpaceWithBasis((ONE,))]
    for b in blocks.values():
        spaces.append(b.space)
        if b.extra_space is not None:
            spaces.append(b.extra_space)
    return join_vector_spaces(*spaces)


def _embed_rows(space: VectorSpaceWithBasis, dirs: dict[BasisDirection, float]) -> np.ndarray:
    row = np.zeros(space.num_dims)
    for d, v in dirs.items():
        row[space.index(d)] += v
    return row


def _embeddings(agraph, blocks, space, encoder: InputEncoder) -> tuple[np.ndarray, np.ndarray]:
    token_rows = []
    for tok in encoder.encoding_map:
        dirs = {BasisDirection("tokens", tok): 1.0, ONE: 1.0}
        if tok != encoder.bos_token:
            for b in blocks.values():
                if b.embed == "token" and b.embed_fn is not None:
                    dirs.update(b.embed_fn(tok))
        token_rows.append(_embed_rows(space, dirs))
    pos_rows = []
    for pos in range(agraph.max_seq_len + 1):
        dirs = {BasisDirection("indices", pos - 1): 1.0} if pos >= 1 else {}
        for b in blocks.values():
            if b.embed == "position" and b.embed_fn is not None:
                dirs.update(b.embed_fn(pos))
        pos_rows.append(_embed_rows(space, dirs))
    return np.stack(token_rows), np.stack(pos_rows)


def _rows(space: VectorSpaceWithBasis, sub: VectorSpaceWithBasis) -> np.ndarray:
    """[D, |sub|] matrix embedding ``sub``'s coordinates into the residual."""
    return _embed(space, sub, np.eye(sub.num_dims))


def _embed(space: VectorSpaceWithBasis, sub: VectorSpaceWithBasis, matrix: np.ndarray):
    """``_rows(space, sub) @ matrix`` without the dense product: place ``matrix``'s rows."""
    out = np.zeros((space.num_dims, matrix.shape[1]))
    out[[space.index(d) for d in sub.basis]] = matrix
    return out


def _factor(space, left, right, matrix) -> tuple[np.ndarray, np.ndarray]:
    """Factor ``x_l M x_r^T`` (or ``x_l M`` into ``right``) as ``(x A)(x B)^T`` / ``(x A) B``."""
    if left.num_dims <= right.num_dims:
        return _rows(space, left), _embed(space, right, matrix.T)
    return _embed(space, left, matrix), _rows(space, right)


def _attn_params(space, heads: list[AttentionHead], n_heads: int, key_size: int) -> dict:
    d = space.num_dims
    wq, wk, wv, wo = (np.zeros((d, n_heads * key_size)) for _ in range(4))
    for h, head in enumerate(heads):
        cols = slice(h * key_size, h * key_size + key_size)
        q, k = _factor(space, head.w_qk.left_space, head.w_qk.right_space, head.w_qk.matrix)
        wq[:, cols][:, : q.shape[1]] = q * math.sqrt(key_size)
        wk[:, cols][:, : k.shape[1]] = k
        ov = head.w_ov
        v, o = _factor(space, ov.input_space, ov.output_space, ov.matrix)
        wv[:, cols][:, : v.shape[1]] = v
        wo[:, cols][:, : o.shape[1]] = o  # o is [D, r]: the transpose of W_O's block
    zeros = np.zeros(n_heads * key_size)
    return {
        "query": {"w": wq, "b": zeros.copy()},
        "key": {"w": wk, "b": zeros.copy()},
        "value": {"w": wv, "b": zeros.copy()},
        "linear": {"w": wo.T.copy(), "b": np.zeros(d)},
    }


def _head_width(head: AttentionHead) -> int:
    qk = min(head.w_qk.left_space.num_dims, head.w_qk.right_space.num_dims)
    ov = min(head.w_ov.input_space.num_dims, head.w_ov.output_space.num_dims)
    return max(qk, ov)


def _mlp_params(space, mlps: list[MLP], hidden_size: int) -> dict:
    d = space.num_dims
    w1, w2 = np.zeros((d, hidden_size)), np.zeros((hidden_size, d))
    start = 0
    for mlp in mlps:
        width = mlp.hidden_size
        w1[:, start : start + width] = _embed(space, mlp.fst.input_space, mlp.fst.matrix)
        w2[start : start + width] = _embed(space, mlp.snd.output_space, mlp.snd.matrix.T).T
        start += width
    return {
        "linear_1": {"w": w1, "b": np.zeros(hidden_size)},
        "linear_2": {"w": w2, "b": np.zeros(d)},
    }


def build_params(space, layers: Layers) -> tuple[dict, int, int, int]:
    n_heads = max([1] + [len(h) for h in layers.heads])
    key_size = max([1] + [_head_width(h) for hs in layers.heads for h in hs])
    hidden = max([1] + [sum(m.hidden_size for m in ms) for ms in layers.mlps])
    params: dict = {}
    for i, (heads, mlps) in enumerate(zip(layers.heads, layers.mlps, strict=True)):
        for name, p in _attn_params(space, heads, n_heads, key_size).items():
            params[f"{layer_prefix(i)}/attn/{name}"] = p
        for name, p in _mlp_params(space, mlps, hidden).items():
            params[f"{layer_prefix(i)}/mlp/{name}"] = p
    return params, n_heads, key_size, hidden


def output_encoding(agraph: AnnotatedGraph, space, blocks):
    out = agraph.graph.output
    out_space = blocks[out].space
    if agraph.graph[out].encoding == NUMERICAL:
        return NumericalOutputEncoder(), _rows(space, out_space)
    values = tuple(d.value for d in out_space.basis)
    return CategoricalOutputEncoder(values), _rows(space, out_space)


def assemble(
    agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks], alloc: Allocation, bos, pad
) -> CompiledModel:
    """Weights, encoders and layout of the final model."""
    from tracr.compiler.describe import describe_layout

    space = residual_space(agraph, blocks, bos, pad)
    vocab = sorted_values(agraph.vocab)
    encoder = InputEncoder(
        encoding_map={tok: i for i, tok in enumerate([*vocab, bos, pad])},
        bos_token=bos, pad_token=pad, max_seq_len=agraph.max_seq_len,
    )
    layers = group_layers(blocks, alloc)
    params, n_heads, key_size, hidden = build_params(space, layers)
    tok_embed, pos_embed = _embeddings(agraph, blocks, space, encoder)
    params["token_embed"] = {"embeddings": tok_embed}
    params["pos_embed"] = {"embeddings": pos_embed}
    out_encoder, unembedding = output_encoding(agraph, space, blocks)
    config = ModelConfig(
        num_layers=alloc.num_layers, num_heads=n_heads, key_size=key_size,
        mlp_hidden_size=hidden, d_model=space.num_dims, max_seq_len=agraph.max_seq_len,
        causal=agraph.causal,
    )
    return CompiledModel(
        params=params,
        model_config=config,
        residual_labels=space.labels,
        input_encoder=encoder,
        output_encoder=out_encoder,
        unembedding=unembedding,
        layout=describe_layout(agraph, blocks, alloc, layers),
        program=agraph.graph.output,
    )
