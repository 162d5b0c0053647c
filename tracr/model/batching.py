"""Turning token lists into ids and outputs back into tokens: the one set of rules that
``CompiledModel.apply_batch`` and every backend's ``apply_batch`` share.

Inputs are validated through the model's ``input_encoder`` and right-padded with PAD; outputs
decode through the ``output_encoder``, with BOS at position 0 and PAD at padded positions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from tracr.errors import ModelInputError
from tracr.model.encoders import InputEncoder, OutputEncoder


@dataclasses.dataclass(frozen=True)
class EncodedBatch:
    """A validated, right-padded batch: ids and key mask [B, T], and the padded token lists."""

    ids: np.ndarray  # [B, T] int64
    key_is_real: np.ndarray  # [B, T] bool
    padded: list[list]
    lengths: list[int]


def encode_batch(encoder: InputEncoder, batch: Sequence[Sequence], pad: bool) -> EncodedBatch:
    """Validate every sequence and right-pad the shorter ones with PAD (when ``pad``)."""
    if isinstance(batch, str | bytes) or not isinstance(batch, Sequence) or not batch:
        raise ModelInputError("apply_batch takes a non-empty list of token sequences")
    seqs = [list(s) if isinstance(s, Sequence) and not isinstance(s, str) else s for s in batch]
    for s in seqs:
        encoder.check(s)
    width = max(len(s) for s in seqs)
    if not pad and any(len(s) != width for s in seqs):
        raise ModelInputError("sequences of one batch must have equal length")
    padded = [s + [encoder.pad_token] * (width - len(s)) for s in seqs]
    ids = np.asarray([encoder.encode(s) for s in padded], dtype=np.int64)  # [B, T]
    pad_id = encoder.encoding_map[encoder.pad_token]
    return EncodedBatch(ids, ids != pad_id, padded, [len(s) for s in seqs])


def decode_row(
    encoder: InputEncoder, output: OutputEncoder, logits: np.ndarray, tokens: list,
    length: int,
) -> list:
    """One sequence's decoded output: BOS, then values, PAD where the input was padded.

    It reads the logits [T, n_out], not the argmax ids, so that None comes out as None.
    """
    values = output.decode_logits(logits[1:])
    pad = encoder.pad_token
    body = [pad if tok == pad else v for tok, v in zip(tokens[1:], values, strict=True)]
    return [encoder.bos_token] + body[: length - 1]


def decode_batch(
    encoder: InputEncoder, output: OutputEncoder, logits: np.ndarray, enc: EncodedBatch
) -> list[list]:
    return [
        decode_row(encoder, output, logits[i], enc.padded[i], enc.lengths[i])
        for i in range(len(enc.lengths))
    ]
