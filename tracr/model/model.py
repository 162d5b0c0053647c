"""The compiled model as plain data: weights, residual layout, encoders, and ``apply``.

``compile_rasp_to_model`` returns it as ``tracr.compiler.assemble.AssembledTransformerModel``
(which adds the reference's ``get_compiled_model``). It knows no RASP and no framework: weights are
numpy arrays named as the reference named them (``token_embed``, ``pos_embed``,
``transformer/layer_{i}/attn/{query,key,value,linear}``,
``transformer/layer_{i}/mlp/{linear_1,linear_2}``), the unembedding is an explicit
``[d_model, n_out]`` matrix, and every residual dimension has a label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from tracr.model.batching import decode_batch, encode_batch
from tracr.model.config import ModelConfig
from tracr.model.encoders import InputEncoder, OutputEncoder
from tracr.model.forward import ForwardTrace, Params, forward
from tracr.model.layout import Layout
from tracr.model.number_formats import PrecisionRecord


@dataclasses.dataclass
class ModelOutput:
    """What ``apply`` returns: the decoded output and every intermediate.

    ``decoded`` is a flat list for ``apply`` (position 0 decodes to BOS, padded positions to
    PAD) and a list of lists for ``apply_batch``. Arrays keep a leading batch axis.
    ``unembedded`` is what the reference put there: the argmax output ids [B, T] of a
    categorical output (``output_encoder.decode`` turns them into values), the numbers [B, T]
    of a numerical one. ``logits`` [B, T, n_out] is the residual read through the
    unembedding; ``decoded`` is read from it, so a None output (no logit above 0.5) decodes
    as None, which an argmax id cannot say.
    """

    decoded: list
    unembedded: np.ndarray
    logits: np.ndarray
    residuals: list[np.ndarray]
    layer_outputs: list[np.ndarray]
    attn_logits: list[np.ndarray]
    attn_patterns: list[np.ndarray]
    transformer_output: np.ndarray
    input_embeddings: np.ndarray
    lengths: list[int]


@dataclasses.dataclass
class TransformerOutput:
    """The reference's ``TransformerOutput``, as numpy arrays (see ``ForwardTrace``)."""

    layer_outputs: list[np.ndarray]
    residuals: list[np.ndarray]
    attn_logits: list[np.ndarray]
    output: np.ndarray
    input_embeddings: np.ndarray


@dataclasses.dataclass
class CompiledTransformerModelOutput:
    """What the reference's ``forward(params, tokens)`` returns: ``unembedded`` is argmax ids
    [B, T] (numbers for a numerical output)."""

    transformer_output: TransformerOutput
    unembedded: np.ndarray


@dataclasses.dataclass
class CompiledModel:
    """A compiled transformer; see the module docstring for the weight names."""

    params: Params
    model_config: ModelConfig
    residual_labels: list[str]
    input_encoder: InputEncoder
    output_encoder: OutputEncoder
    unembedding: np.ndarray  # [d_model, n_out]
    layout: Layout = dataclasses.field(default_factory=Layout)
    program: str = ""  # a readable description of the compiled program
    # Per narrower format, the problems that make it inexact (() = exact); None: not checked
    # (a file saved before the record existed). See ``tracr.model.number_formats``.
    precision: PrecisionRecord | None = None

    @property
    def config(self) -> ModelConfig:
        return self.model_config

    @property
    def output_labels(self) -> list[str]:
        cols = np.flatnonzero(np.abs(self.unembedding).sum(axis=1))
        return [self.residual_labels[i] for i in cols]

    def apply(self, tokens: Sequence) -> ModelOutput:
        """Run one sequence that starts with BOS and may be right-padded with PAD."""
        out = self.apply_batch([tokens], pad=False)
        out.decoded = out.decoded[0]
        return out

    def apply_batch(self, batch: Sequence[Sequence], pad: bool = True) -> ModelOutput:
        """Run many sequences at once; shorter ones are right-padded with PAD and masked."""
        enc = encode_batch(self.input_encoder, batch, pad)
        trace = self.forward(enc.ids, enc.key_is_real)
        decoded = decode_batch(self.input_encoder, self.output_encoder, trace.logits, enc)
        return ModelOutput(
            decoded=decoded,
            unembedded=self.output_encoder.unembed(trace.logits),
            logits=trace.logits,
            residuals=trace.residuals,
            layer_outputs=trace.layer_outputs,
            attn_logits=trace.attn_logits,
            attn_patterns=trace.attn_patterns,
            transformer_output=trace.transformer_output,
            input_embeddings=trace.input_embeddings,
            lengths=enc.lengths,
        )

    def forward(
        self, ids: np.ndarray | Params, key_is_real: np.ndarray | None = None
    ) -> ForwardTrace | CompiledTransformerModelOutput:
        """The raw forward pass on token ids [B, T]; see ``tracr.model.forward``.

        ``forward(ids, key_is_real)`` returns our ``ForwardTrace`` (``key_is_real`` defaults
        to ``ids != PAD``). Called as the reference's ``forward(params, tokens)`` (a params
        dict first), it runs with those params and returns a
        ``CompiledTransformerModelOutput``, whose ``unembedded`` holds argmax ids.
        """
        if isinstance(ids, Mapping):
            return self._reference_forward(ids, key_is_real)
        ids = np.asarray(ids)
        if key_is_real is None:
            key_is_real = ids != self.input_encoder.encoding_map[self.input_encoder.pad_token]
        return forward(self.params, self.model_config, self.unembedding, ids, key_is_real)

    def _reference_forward(self, params: Params, tokens) -> CompiledTransformerModelOutput:
        ids = np.asarray(tokens)
        key_is_real = ids != self.input_encoder.encoding_map[self.input_encoder.pad_token]
        trace = forward(params, self.model_config, self.unembedding, ids, key_is_real)
        return CompiledTransformerModelOutput(
            transformer_output=TransformerOutput(
                layer_outputs=trace.layer_outputs,
                residuals=trace.residuals,
                attn_logits=trace.attn_logits,
                output=trace.transformer_output,
                input_embeddings=trace.input_embeddings,
            ),
            unembedded=self.output_encoder.unembed(trace.logits),
        )
