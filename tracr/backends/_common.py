"""What every backend shares with the numpy model: turning token lists into ids and back.

A backend's ``apply`` / ``apply_batch`` must accept and return exactly what
``CompiledModel.apply`` / ``apply_batch`` do, so the encoding and decoding rules live here once
(validation through the model's ``input_encoder``, right padding with PAD, decoding through the
``output_encoder`` with BOS at position 0 and PAD at padded positions).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from tracr.errors import ModelInputError
from tracr.model import CompiledModel, ModelOutput


@dataclasses.dataclass(frozen=True)
class EncodedBatch:
    """A validated, right-padded batch: ids and key mask [B, T], and the padded token lists."""

    ids: np.ndarray  # [B, T] int64
    key_is_real: np.ndarray  # [B, T] bool
    padded: list[list]
    lengths: list[int]


def pad_id(model: CompiledModel) -> int:
    enc = model.input_encoder
    return enc.encoding_map[enc.pad_token]


def encode_batch(model: CompiledModel, batch: Sequence[Sequence], pad: bool) -> EncodedBatch:
    """Validate and encode like ``CompiledModel.apply_batch`` does."""
    if isinstance(batch, str | bytes) or not isinstance(batch, Sequence) or not batch:
        raise ModelInputError("apply_batch takes a non-empty list of token sequences")
    seqs = [list(s) if isinstance(s, Sequence) and not isinstance(s, str) else s for s in batch]
    for s in seqs:
        model.input_encoder.check(s)
    width = max(len(s) for s in seqs)
    if not pad and any(len(s) != width for s in seqs):
        raise ModelInputError("sequences of one batch must have equal length")
    pad_tok = model.input_encoder.pad_token
    padded = [s + [pad_tok] * (width - len(s)) for s in seqs]
    ids = np.asarray([model.input_encoder.encode(s) for s in padded], dtype=np.int64)  # [B, T]
    return EncodedBatch(ids, ids != pad_id(model), padded, [len(s) for s in seqs])


def decode_row(model: CompiledModel, unembedded: np.ndarray, tokens: list, length: int) -> list:
    """One sequence's decoded output: BOS, then values, PAD where the input was padded."""
    values = model.output_encoder.decode(unembedded[1:])
    pad = model.input_encoder.pad_token
    body = [pad if tok == pad else v for tok, v in zip(tokens[1:], values, strict=True)]
    return [model.input_encoder.bos_token] + body[: length - 1]


def model_output(model: CompiledModel, enc: EncodedBatch, trace: dict) -> ModelOutput:
    """Build the numpy model's ``ModelOutput`` from a backend's trace (numpy arrays by name)."""
    decoded = [
        decode_row(model, trace["unembedded"][i], enc.padded[i], enc.lengths[i])
        for i in range(len(enc.lengths))
    ]
    return ModelOutput(
        decoded=decoded,
        unembedded=trace["unembedded"],
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
    "unembedded",
)
