"""The reference's ``tracr.transformer``: the compiled model as JAX/Haiku modules.

This is the Haiku face of ``tracr.model`` (the numpy model every backend is tested against),
beside ``tracr.backends.haiku`` and sharing its attention code. It needs the ``jax`` extra
(``pip install 'tracr[jax]'``); the modules import JAX only when a name is first used, and
raise ``MissingDependencyError`` naming the extra when it is missing.

- ``model``: ``TransformerConfig``, ``Transformer``, ``TransformerOutput``,
  ``CompiledTransformerModel``, ``CompiledTransformerModelOutput``;
- ``attention``: ``MultiHeadAttention``;
- ``compressed_model``: ``CompressedTransformer`` (a residual compressed by ``w_emb``);
- ``encoder``: ``Encoder``, ``CategoricalEncoder``, ``NumericalEncoder`` (no JAX needed).

A compiled model's ``get_compiled_model()`` builds the ``CompiledTransformerModel`` inside
``hk.transform``, as code written for the reference does::

    forward = hk.transform(lambda x: model.get_compiled_model()(x, use_dropout=False))
    out = forward.apply(model.params, None, ids)   # out.unembedded: argmax ids [B, T]
"""
