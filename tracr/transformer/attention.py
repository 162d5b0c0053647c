"""The reference's ``tracr.transformer.attention`` (adapter; the work is in
``tracr.transformer._attention``, imported on first use because it needs JAX and Haiku).

``MultiHeadAttention(num_heads, key_size, w_init_scale=None, *, w_init=None,
value_size=None, model_size=None, name=None)``; ``__call__(query, key, value, mask=None)``
returns ``AttentionOutput(out [B, T, D], logits [B, H, T, T])``.
"""

from __future__ import annotations

from typing import Any

_NAMES = ("MultiHeadAttention", "AttentionOutput")
__all__ = list(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from tracr.transformer import _attention

    return getattr(_attention, name)
