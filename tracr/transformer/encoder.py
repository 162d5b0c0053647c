"""The reference's ``tracr.transformer.encoder`` (adapter; the classes live in
``tracr.model.encoder_base``, which the compiled model's own encoders register with).

``CategoricalEncoder(basis, enforce_bos=False, bos_token=None, pad_token=None,
max_seq_len=None)`` with ``encode``, ``decode``, ``encoding_map``, ``decoding_map``,
``vocab_size``, ``bos_token``, ``pad_token``, ``bos_encoding``, ``pad_encoding``;
``NumericalEncoder`` (the identity both ways); ``Encoder`` (their base). No JAX needed.
"""

from __future__ import annotations

from tracr.model.encoder_base import CategoricalEncoder, Encoder, NumericalEncoder

__all__ = ["CategoricalEncoder", "Encoder", "NumericalEncoder"]
