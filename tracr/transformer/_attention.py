"""``MultiHeadAttention`` as a Haiku module (private: imports JAX and Haiku at module level).

The projections are ``hk.Linear`` modules named ``query``, ``key``, ``value`` and ``linear``,
so a module named ``attn`` inside ``transformer/layer_{i}`` holds exactly the compiled
model's ``transformer/layer_{i}/attn/{query,key,value,linear}`` parameters. The attention
itself is ``tracr.backends.haiku.attend``, the code the Haiku backend runs.
"""

from __future__ import annotations

from typing import Any, NamedTuple

try:
    import haiku as hk
    import jax.numpy as jnp
except ImportError as e:  # pragma: no cover - the jax extra is installed in CI
    from tracr.errors import MissingDependencyError

    raise MissingDependencyError("dm-haiku", "jax") from e

from tracr.backends.haiku import attend


class AttentionOutput(NamedTuple):
    """What ``MultiHeadAttention`` returns: ``out`` [B, T, D] and ``logits`` [B, H, T, T]."""

    out: Any
    logits: Any


class MultiHeadAttention(hk.Module):
    """Multi-head attention with the standard ``1/sqrt(key_size)`` scale.

    ``mask`` (optional) is boolean, broadcastable to [B, H, T_query, T_key]: True where a
    query may attend to a key. Masked logits are ``-inf`` (position 0, BOS, is never masked
    in a compiled model, so every row has a key).
    """

    def __init__(
        self,
        num_heads: int,
        key_size: int,
        w_init_scale: float | None = None,
        *,
        w_init: Any = None,
        value_size: int | None = None,
        model_size: int | None = None,
        name: str | None = None,
    ):
        super().__init__(name=name)
        self.num_heads = num_heads
        self.key_size = key_size
        self.value_size = value_size or key_size
        self.model_size = model_size or key_size * num_heads
        if w_init is None and w_init_scale is not None:
            w_init = hk.initializers.VarianceScaling(w_init_scale)
        self.w_init = w_init

    def __call__(self, query: Any, key: Any, value: Any, mask: Any = None) -> AttentionOutput:
        q = self._heads(query, self.key_size, "query")  # [B, H, T, dk]
        k = self._heads(key, self.key_size, "key")  # [B, H, T, dk]
        v = self._heads(value, self.value_size, "value")  # [B, H, T, dv]
        if mask is None:
            mask = jnp.ones((1, 1, q.shape[2], k.shape[2]), dtype=bool)
        z, logits, _ = attend(q, k, v, mask)  # z: [B, T, H*dv]
        out = hk.Linear(self.model_size, w_init=self.w_init, name="linear")(z)  # [B, T, D]
        return AttentionOutput(out, logits)

    @hk.transparent
    def _heads(self, x: Any, size: int, name: str) -> Any:
        b, t, _ = x.shape
        y = hk.Linear(self.num_heads * size, w_init=self.w_init, name=name)(x)  # [B, T, H*d]
        return y.reshape(b, t, self.num_heads, size).transpose(0, 2, 1, 3)  # [B, H, T, d]
