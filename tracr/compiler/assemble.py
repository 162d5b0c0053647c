"""The reference's ``assemble`` (adapter; the work is ``craft_to_model``, and the Haiku module
of ``get_compiled_model`` is ``tracr.transformer``).

``AssembledTransformerModel`` is what ``compile_rasp_to_model`` returns: our ``CompiledModel``
(numpy weights, ``apply``, ``apply_batch``, ``layout``, ``unembedding``, ...) plus the
reference's ``get_compiled_model()``. ``AssembledTransformerModelOutput`` is what ``apply``
returns (``ModelOutput``). ``assemble_craft_model`` turns a craft model into one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

import numpy as np

from tracr.compiler import craft_to_model
from tracr.compiler.graph_to_craft import ONE
from tracr.compiler.nodes import COMPILER_BOS, COMPILER_PAD
from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP, MultiAttentionHead
from tracr.errors import CompilerError
from tracr.model import (
    CategoricalOutputEncoder,
    CompiledModel,
    InputEncoder,
    ModelConfig,
    ModelOutput,
    NumericalOutputEncoder,
)

AssembledTransformerModelOutput = ModelOutput


@dataclasses.dataclass
class AssembledTransformerModel(CompiledModel):
    """A compiled model; see ``tracr.model.CompiledModel`` for its fields and ``apply``."""

    def get_compiled_model(self, *, allow_inexact: bool = False) -> Any:
        """The Haiku ``CompiledTransformerModel`` computing this model (needs the ``jax``
        extra). Call it inside ``hk.transform`` and apply with ``self.params``::

            f = hk.transform(lambda x: model.get_compiled_model()(x, use_dropout=False))
            f.apply(model.params, None, ids).unembedded      # argmax ids [B, T]

        Set ``use_unembed_argmax = False`` on the module for the logits to train against.
        With JAX's x64 off, a model not proven exact in float32 raises
        ``InexactFormatError`` (``allow_inexact=True`` builds it anyway).
        """
        from tracr.transformer.model import compiled_transformer_model

        return compiled_transformer_model(self, allow_inexact)

    @classmethod
    def of(cls, model: CompiledModel) -> AssembledTransformerModel:
        """The same model with ``get_compiled_model`` (e.g. one loaded from a file)."""
        return cls(**{f.name: getattr(model, f.name) for f in dataclasses.fields(model)})


def assemble_craft_model(
    craft_model,
    tokens_space: VectorSpaceWithBasis,
    indices_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    categorical_output: bool,
    causal: bool = False,
    *,
    compiler_bos: Hashable | None = None,
    compiler_pad: Hashable | None = None,
) -> AssembledTransformerModel:
    """Weights of ``craft_model`` (a ``SeriesWithResiduals``) on a residual stream holding
    ``tokens_space`` (the vocabulary with BOS and PAD), ``indices_space``, ``one`` and every
    block's space; the output is read from ``output_space``.

    A model from ``craft_graph_to_model`` is laid out as ``compile_rasp_to_model`` lays it out.
    Any other series runs block after block, one sublayer each; its BOS and PAD tokens are
    ``compiler_bos`` / ``compiler_pad``, by default the compiler's own names.
    """
    from tracr.compiler.staged import StagedCraftModel  # networkx: only for staged use

    bos, pad = _bos_pad(tokens_space, compiler_bos, compiler_pad)
    staged = getattr(craft_model, "staged", None)
    if isinstance(craft_model, StagedCraftModel) and _unchanged(craft_model, staged):
        agraph, blocks, alloc, _, _ = staged
        agraph = dataclasses.replace(agraph, causal=causal)
        model = craft_to_model.assemble(agraph, blocks, alloc, bos, pad)
    else:
        model = _assemble_series(craft_model, tokens_space, indices_space, output_space,
                                 categorical_output, causal, bos, pad)
    return AssembledTransformerModel.of(model)


def _unchanged(craft_model, staged) -> bool:
    built = staged[-1]
    return len(built) == len(craft_model.blocks) and all(
        a is b for a, b in zip(built, craft_model.blocks, strict=True)
    )


def _bos_pad(tokens_space, bos, pad) -> tuple:
    values = [d.value for d in tokens_space.basis]
    bos = COMPILER_BOS if bos is None else bos
    pad = COMPILER_PAD if pad is None else pad
    for name, token in (("compiler_bos", bos), ("compiler_pad", pad)):
        if token not in values:
            raise CompilerError(
                f"tokens_space has no {name} token {token!r}; add it to the space or pass "
                f"{name}= naming one of {values!r}"
            )
    return bos, pad


def _assemble_series(craft_model, tokens_space, indices_space, output_space,
                     categorical_output, causal, bos, pad) -> CompiledModel:
    """A hand-built series: each block in the first sublayer of its kind after the last."""
    space = join_vector_spaces(tokens_space, indices_space, VectorSpaceWithBasis((ONE,)),
                               craft_model.residual_space, output_space)
    layers = _series_layers(craft_model.blocks)
    params, n_heads, key_size, hidden = craft_to_model.build_params(space, layers)
    vocab = [d.value for d in tokens_space.basis if d.value not in (bos, pad)]
    n = indices_space.num_dims
    encoder = InputEncoder({t: i for i, t in enumerate([*vocab, bos, pad])}, bos, pad, n)
    params["token_embed"] = {"embeddings": np.stack([
        _row(space, {BasisDirection(tokens_space.basis[0].name, t): 1.0, ONE: 1.0})
        for t in encoder.encoding_map
    ])}
    params["pos_embed"] = {"embeddings": np.stack(
        [_row(space, {})] + [_row(space, {d: 1.0}) for d in indices_space.basis]
    )}
    values = tuple(d.value for d in output_space.basis)
    out_encoder = (CategoricalOutputEncoder(values) if categorical_output
                   else NumericalOutputEncoder())
    config = ModelConfig(
        num_layers=len(layers.heads), num_heads=n_heads, key_size=key_size,
        mlp_hidden_size=hidden, d_model=space.num_dims, max_seq_len=n, causal=causal,
    )
    unembedding = np.zeros((space.num_dims, output_space.num_dims))
    for j, d in enumerate(output_space.basis):
        unembedding[space.index(d), j] = 1.0
    return CompiledModel(params, config, space.labels, encoder, out_encoder, unembedding)


def _row(space: VectorSpaceWithBasis, dirs: dict) -> np.ndarray:
    row = np.zeros(space.num_dims)
    for d, v in dirs.items():
        row[space.index(d)] = v
    return row


def _series_layers(blocks) -> craft_to_model.Layers:
    heads: list[list] = []
    mlps: list[list] = []
    sublayer = -1  # the last sublayer used: 2L is layer L's attention, 2L + 1 its MLP
    for block in blocks:
        is_mlp = isinstance(block, MLP)
        sublayer += 1 if sublayer % 2 != is_mlp else 2
        while len(heads) <= sublayer // 2:
            heads.append([])
            mlps.append([])
        if is_mlp:
            mlps[sublayer // 2].append(block)
        else:
            heads[sublayer // 2].extend(
                block.heads if isinstance(block, MultiAttentionHead) else [block]
            )
    if not heads:
        heads, mlps = [[]], [[]]
    return craft_to_model.Layers(heads, mlps)
