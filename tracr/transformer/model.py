"""The reference's ``tracr.transformer.model`` (adapter; the work is in
``tracr.transformer._model``, imported on first use because it needs JAX and Haiku).

Names: ``TransformerConfig(num_heads, num_layers, key_size, mlp_hidden_size, dropout_rate,
activation_function=jax.nn.gelu, layer_norm=True, causal=False)``, ``Transformer(config)``
(``__call__(embeddings, mask, *, use_dropout=True) -> TransformerOutput``),
``CompiledTransformerModel(transformer, token_embed, position_embed, unembed,
use_unembed_argmax, pad_token=None)`` (``__call__(tokens, use_dropout=True) ->
CompiledTransformerModelOutput``), ``TransformerOutput``, ``CompiledTransformerModelOutput``,
``Unembed`` and ``compiled_transformer_model(model)`` (what ``get_compiled_model`` returns).
"""

from __future__ import annotations

from typing import Any

_NAMES = (
    "TransformerConfig", "Transformer", "TransformerOutput", "CompiledTransformerModel",
    "CompiledTransformerModelOutput", "Unembed", "attention_mask",
    "compiled_transformer_model",
)
__all__ = list(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from tracr.transformer import _model

    return getattr(_model, name)
