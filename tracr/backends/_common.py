"""What every backend shares with the numpy model: turning token lists into ids and back.

A backend's ``apply`` / ``apply_batch`` must accept and return exactly what
``CompiledModel.apply`` / ``apply_batch`` do, so the encoding and decoding rules live here once
(validation through the model's ``input_encoder``, right padding with PAD, decoding through the
``output_encoder`` with BOS at position 0 and PAD at padded positions).
"""

from __future__ import annotations

from collections.abc import Sequence

from tracr.model import CompiledModel, ModelOutput, batching
from tracr.model.batching import EncodedBatch

__all__ = [
    "EncodedBatch", "TRACE_FIELDS", "decode_row", "encode_batch", "model_output", "pad_id",
]


def pad_id(model: CompiledModel) -> int:
    enc = model.input_encoder
    return enc.encoding_map[enc.pad_token]


def encode_batch(model: CompiledModel, batch: Sequence[Sequence], pad: bool) -> EncodedBatch:
    """Validate and encode exactly as ``CompiledModel.apply_batch`` does."""
    return batching.encode_batch(model.input_encoder, batch, pad)


def decode_row(model: CompiledModel, logits, tokens: list, length: int) -> list:
    """One sequence's decoded output from its logits [T, n_out], as ``apply_batch`` does."""
    return batching.decode_row(model.input_encoder, model.output_encoder, logits, tokens, length)


def model_output(model: CompiledModel, enc: EncodedBatch, trace: dict) -> ModelOutput:
    """Build the numpy model's ``ModelOutput`` from a backend's trace (numpy arrays by name)."""
    decoded = batching.decode_batch(model.input_encoder, model.output_encoder, trace["logits"], enc)
    return ModelOutput(
        decoded=decoded,
        unembedded=model.output_encoder.unembed(trace["logits"]),
        logits=trace["logits"],
        residuals=list(trace["residuals"]),
        layer_outputs=list(trace["layer_outputs"]),
        attn_logits=list(trace["attn_logits"]),
        attn_patterns=list(trace["attn_patterns"]),
        transformer_output=trace["transformer_output"],
        input_embeddings=trace["input_embeddings"],
        lengths=enc.lengths,
    )


TRACE_FIELDS = (
    "input_embeddings",
    "layer_outputs",
    "residuals",
    "attn_logits",
    "attn_patterns",
    "transformer_output",
    "logits",
)
