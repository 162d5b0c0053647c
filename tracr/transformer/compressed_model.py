"""The reference's ``tracr.transformer.compressed_model`` (adapter; the work is in
``tracr.transformer._compressed``, imported on first use because it needs JAX and Haiku).

``CompressedTransformer(config)``: a ``Transformer`` whose residual stream is compressed by
a learned matrix ``w_emb`` [embedding_size, d_model]; see ``_compressed``.
"""

from __future__ import annotations

from typing import Any

_NAMES = ("CompressedTransformer",)
__all__ = list(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from tracr.transformer import _compressed

    return getattr(_compressed, name)
