"""The compiled model as plain data: weights, residual layout, encoders, and ``apply``.

This is what ``compile_rasp_to_model`` returns. It knows no RASP and no framework: weights are
numpy arrays named as the reference named them (``token_embed``, ``pos_embed``,
``transformer/layer_{i}/attn/{query,key,value,linear}``,
``transformer/layer_{i}/mlp/{linear_1,linear_2}``), the unembedding is an explicit
``[d_model, n_out]`` matrix, and every residual dimension has a label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from tracr.model.batching import decode_batch, encode_batch
from tracr.model.config import ModelConfig
from tracr.model.encoders import InputEncoder, OutputEncoder
from tracr.model.forward import ForwardTrace, Params, forward
from tracr.model.layout import Layout


@dataclasses.dataclass
class ModelOutput:
    """What ``apply`` returns: the decoded output and every intermediate.

    ``decoded`` is a flat list for ``apply`` (position 0 decodes to BOS, padded positions to
    PAD) and a list of lists for ``apply_batch``. Arrays keep a leading batch axis.
    """

    decoded: list
    unembedded: np.ndarray
    residuals: list[np.ndarray]
    layer_outputs: list[np.ndarray]
    attn_logits: list[np.ndarray]
    attn_patterns: list[np.ndarray]
    transformer_output: np.ndarray
    input_embeddings: np.ndarray
    lengths: list[int]


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
        decoded = decode_batch(self.input_encoder, self.output_encoder, trace.unembedded, enc)
        return ModelOutput(
            decoded=decoded,
            unembedded=trace.unembedded,
            residuals=trace.residuals,
            layer_outputs=trace.layer_outputs,
            attn_logits=trace.attn_logits,
            attn_patterns=trace.attn_patterns,
            transformer_output=trace.transformer_output,
            input_embeddings=trace.input_embeddings,
            lengths=enc.lengths,
        )

    def forward(self, ids: np.ndarray, key_is_real: np.ndarray) -> ForwardTrace:
        """The raw forward pass on token ids [B, T]; see ``tracr.model.forward``."""
        return forward(self.params, self.model_config, self.unembedding, ids, key_is_real)
