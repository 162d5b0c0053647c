"""The reference's transformer as Haiku modules (private: imports JAX and Haiku at module level).

``Transformer`` is a stack of layers, each ``x = x + attn(x)`` then ``x = x + mlp(x)``, with
parameters under ``transformer/layer_{i}/attn/{query,key,value,linear}`` and
``transformer/layer_{i}/mlp/{linear_1,linear_2}``: the names of a compiled model's ``params``.
``CompiledTransformerModel`` adds the embeddings and the unembedding around it;
``tracr.transformer.model`` documents the public names.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

try:
    import haiku as hk
    import jax
    import jax.numpy as jnp
except ImportError as e:  # pragma: no cover - the jax extra is installed in CI
    from tracr.errors import MissingDependencyError

    raise MissingDependencyError("dm-haiku", "jax") from e

from tracr.model import CategoricalOutputEncoder, CompiledModel
from tracr.transformer._attention import MultiHeadAttention


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """Hyper-parameters of a ``Transformer`` (a compiled model: ReLU, no layer norm, no
    dropout; see ``AssembledTransformerModel.model_config``)."""

    num_heads: int
    num_layers: int
    key_size: int
    mlp_hidden_size: int
    dropout_rate: float
    activation_function: Callable[[Any], Any] = jax.nn.gelu
    layer_norm: bool = True
    causal: bool = False


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["layer_outputs", "residuals", "attn_logits", "output", "input_embeddings"],
    meta_fields=[],
)
@dataclasses.dataclass
class TransformerOutput:
    layer_outputs: list  # 2 * num_layers of [B, T, D]: attn, mlp, attn, ...
    residuals: list  # 2 * num_layers of [B, T, D]: the stream after each sublayer
    attn_logits: list  # num_layers of [B, H, T, T]
    output: Any  # [B, T, D]
    input_embeddings: Any  # [B, T, D]


def attention_mask(mask: Any, causal: bool) -> Any:
    """Key mask [B, T] (True/1 = a real key) -> [B, 1, T, T], lower-triangular if causal."""
    t = mask.shape[-1]
    full = mask.astype(bool)[:, None, None, :]  # [B, 1, 1, T]
    if causal:
        full = full & jnp.tril(jnp.ones((t, t), dtype=bool))[None, None]
    return jnp.broadcast_to(full, (mask.shape[0], 1, t, t))


@dataclasses.dataclass(frozen=True)
class _Stream:
    """How the layers see the residual stream: as it is (``w_emb`` None), or compressed by
    ``w_emb`` [E, D] (write ``x @ w_emb.T``, read ``x @ w_emb``). ``decompressed``: report
    residuals and layer outputs in the model's D dimensions rather than the E stored."""

    w_emb: Any
    decompressed: bool

    def write(self, x: Any) -> Any:
        return x if self.w_emb is None else x @ self.w_emb.T  # [B, T, E]

    def read(self, x: Any) -> Any:
        return x if self.w_emb is None else x @ self.w_emb  # [B, T, D]

    def record(self, x: Any, write: bool = False) -> Any:
        """A residual (or, with ``write``, a sublayer's D-sized output) as reported."""
        if self.w_emb is None or self.decompressed == write:
            return x
        return self.read(x) if self.decompressed else self.write(x)


class Transformer(hk.Module):
    """A decoder-style transformer without embeddings: residual stream in, stream out.

    ``__call__(embeddings [B, T, D], mask [B, T], *, use_dropout=True)`` returns a
    ``TransformerOutput``. With ``layer_norm``, each sublayer reads a layer-normed stream
    (pre-LN); dropout (rate ``dropout_rate``, needs an rng) applies to each sublayer's output
    when ``use_dropout`` and the rate is above 0.
    """

    def __init__(self, config: TransformerConfig, name: str | None = None):
        super().__init__(name=name)
        self.config = config

    def __call__(self, embeddings: Any, mask: Any, *, use_dropout: bool = True) -> Any:
        return self._run(embeddings, mask, use_dropout, _Stream(None, False))

    @hk.transparent
    def _run(self, embeddings: Any, mask: Any, use_dropout: bool, stream: _Stream) -> Any:
        """The layers, reading and writing the residual through ``stream``."""
        c = self.config
        attn_mask = attention_mask(mask, c.causal)
        x = stream.write(embeddings)  # [B, T, D] (or [B, T, E] compressed)
        out = TransformerOutput([], [], [], x, embeddings)
        for layer in range(c.num_layers):
            with hk.name_scope(f"layer_{layer}"):
                attn = MultiHeadAttention(c.num_heads, c.key_size,
                                          model_size=embeddings.shape[-1], name="attn")
                h = self._norm(stream.read(x), "attn_norm")
                attn_out, logits = attn(h, h, h, mask=attn_mask)
                attn_out = self._dropout(attn_out, use_dropout)
                x = x + stream.write(attn_out)
                out.layer_outputs.append(stream.record(attn_out, write=True))
                out.residuals.append(stream.record(x))
                out.attn_logits.append(logits)
                mlp_out = self._mlp(self._norm(stream.read(x), "mlp_norm"))
                mlp_out = self._dropout(mlp_out, use_dropout)
                x = x + stream.write(mlp_out)
                out.layer_outputs.append(stream.record(mlp_out, write=True))
                out.residuals.append(stream.record(x))
        out.output = stream.read(x)
        return out

    @hk.transparent
    def _mlp(self, x: Any) -> Any:
        with hk.name_scope("mlp"):
            hidden = hk.Linear(self.config.mlp_hidden_size, name="linear_1")(x)
            hidden = self.config.activation_function(hidden)
            return hk.Linear(x.shape[-1], name="linear_2")(hidden)  # [B, T, D]

    @hk.transparent
    def _norm(self, x: Any, name: str) -> Any:
        if not self.config.layer_norm:
            return x
        return hk.LayerNorm(axis=-1, create_scale=True, create_offset=True, name=name)(x)

    @hk.transparent
    def _dropout(self, x: Any, use_dropout: bool) -> Any:
        if use_dropout and self.config.dropout_rate > 0:
            return hk.dropout(hk.next_rng_key(), self.config.dropout_rate, x)
        return x


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["transformer_output", "unembedded"], meta_fields=[],
)
@dataclasses.dataclass
class CompiledTransformerModelOutput:
    transformer_output: TransformerOutput
    unembedded: Any  # argmax ids [B, T] with use_unembed_argmax, else logits


class Unembed:
    """Reads the residual through a fixed matrix [D, n_out] (not a parameter): argmax ids
    [B, T] with ``use_unembed_argmax``; otherwise the logits, [B, T] for a one-column
    (numerical) output and [B, T, n_out] else."""

    def __init__(self, matrix: Any):
        self.matrix = jnp.asarray(matrix)

    def __call__(self, x: Any, use_unembed_argmax: bool) -> Any:
        logits = x @ self.matrix  # [B, T, n_out]
        if use_unembed_argmax:
            return jnp.argmax(logits, axis=-1)
        if logits.shape[-1] == 1:
            return logits[..., 0]
        return logits


class CompiledTransformerModel(hk.Module):
    """Embeddings, a ``Transformer`` (or ``CompressedTransformer``) and an unembedding.

    ``__call__(tokens [B, T] ids, use_dropout=True)`` returns a
    ``CompiledTransformerModelOutput``. Keys holding ``pad_token`` (an id) are masked.
    ``use_unembed_argmax`` is a plain attribute: set it to False for the logits to train
    against. Build the parts outside this module (as ``get_compiled_model`` does) so their
    parameters keep their own names (``token_embed``, ``pos_embed``, ``transformer/...``).
    """

    def __init__(
        self,
        transformer: Any,
        token_embed: Callable,
        position_embed: Callable,
        unembed: Callable,
        use_unembed_argmax: bool,
        pad_token: int | None = None,
        name: str | None = None,
    ):
        super().__init__(name=name)
        self.transformer = transformer
        self.token_embed = token_embed
        self.position_embed = position_embed
        self.unembed = unembed
        self.use_unembed_argmax = use_unembed_argmax
        self.pad_token = pad_token

    @hk.transparent
    def embed(self, tokens: Any) -> Any:
        positions = jnp.broadcast_to(jnp.arange(tokens.shape[-1]), tokens.shape)  # [B, T]
        return self.token_embed(tokens) + self.position_embed(positions)  # [B, T, D]

    def __call__(self, tokens: Any, use_dropout: bool = True) -> CompiledTransformerModelOutput:
        tokens = jnp.asarray(tokens)
        if self.pad_token is None:
            mask = jnp.ones_like(tokens, dtype=bool)
        else:
            mask = tokens != self.pad_token  # [B, T]
        out = self.transformer(self.embed(tokens), mask, use_dropout=use_dropout)
        unembedded = self.unembed(out.output, use_unembed_argmax=self.use_unembed_argmax)
        return CompiledTransformerModelOutput(out, unembedded)


def compiled_transformer_model(model: CompiledModel, allow_inexact: bool = False
                               ) -> CompiledTransformerModel:
    """The Haiku module computing ``model`` (what ``model.get_compiled_model()`` returns).

    Call it inside ``hk.transform`` and apply with ``model.params``; the embeddings'
    initial values are the compiled ones, the transformer's are random until then. With
    JAX's x64 off (float32), a model not proven exact in float32 raises
    ``InexactFormatError`` unless ``allow_inexact``.
    """
    from tracr.backends.haiku import check_jax_format

    check_jax_format(model, allow_inexact)
    c = model.model_config
    config = TransformerConfig(
        num_heads=c.num_heads, num_layers=c.num_layers, key_size=c.key_size,
        mlp_hidden_size=c.mlp_hidden_size, dropout_rate=0.0, activation_function=jax.nn.relu,
        layer_norm=False, causal=c.causal,
    )
    token_embed = hk.Embed(embedding_matrix=model.params["token_embed"]["embeddings"],
                           name="token_embed")
    pos_embed = hk.Embed(embedding_matrix=model.params["pos_embed"]["embeddings"],
                         name="pos_embed")
    return CompiledTransformerModel(
        transformer=Transformer(config, name="transformer"),
        token_embed=token_embed,
        position_embed=pos_embed,
        unembed=Unembed(model.unembedding),
        use_unembed_argmax=isinstance(model.output_encoder, CategoricalOutputEncoder),
        pad_token=model.input_encoder.pad_encoding,
    )
