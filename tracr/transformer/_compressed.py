"""``CompressedTransformer`` (private: imports JAX and Haiku at module level).

A ``Transformer`` whose residual stream has ``embedding_size`` dimensions instead of the
model's ``d_model``: a learned matrix ``w_emb`` [embedding_size, d_model] writes every block's
output into the stream as ``x @ w_emb.T`` and every block reads ``x @ w_emb``. With
``w_emb`` orthonormal rows spanning what the model uses, it computes what the uncompressed
model does; training ``w_emb`` (the weights kept fixed) looks for such a compression.
"""

from __future__ import annotations

from typing import Any

try:
    import haiku as hk
except ImportError as e:  # pragma: no cover - the jax extra is installed in CI
    from tracr.errors import MissingDependencyError

    raise MissingDependencyError("dm-haiku", "jax") from e

from tracr.transformer._model import Transformer, TransformerOutput, _Stream


class CompressedTransformer(Transformer):
    """``__call__(embeddings [B, T, D], mask [B, T], *, use_dropout=True,
    embedding_size=None, unembed_at_every_layer=False) -> TransformerOutput``.

    ``embedding_size`` None keeps the full stream (no ``w_emb``). The parameter ``w_emb``
    lives in this module's scope beside ``layer_{i}``. ``output`` is always read back to
    [B, T, D] (so the unembedding applies); residuals and layer outputs are reported in the
    compressed [B, T, E] stream, or in [B, T, D] with ``unembed_at_every_layer``.
    """

    def __call__(
        self,
        embeddings: Any,
        mask: Any,
        *,
        use_dropout: bool = True,
        embedding_size: int | None = None,
        unembed_at_every_layer: bool = False,
    ) -> TransformerOutput:
        w_emb = None
        if embedding_size is not None:
            d_model = embeddings.shape[-1]
            w_emb = hk.get_parameter(
                "w_emb", (embedding_size, d_model), dtype=embeddings.dtype,
                init=hk.initializers.TruncatedNormal(1.0 / d_model**0.5),
            )
        return self._run(embeddings, mask, use_dropout, _Stream(w_emb, unembed_at_every_layer))
