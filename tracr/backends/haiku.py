"""The compiled model as a Haiku-transformed function (backend; needs the ``jax`` extra).

    from tracr.backends.haiku import to_haiku
    hmodel = to_haiku(model)
    hmodel.apply(["BOS", 1, 2, 3]).decoded          # same as model.apply(...).decoded

This is the shape of model the reference produced, so code written against it runs:
``hmodel.params`` holds the weights under the reference's names (``token_embed``,
``pos_embed``, ``transformer/layer_{i}/attn/{query,key,value,linear}``,
``transformer/layer_{i}/mlp/{linear_1,linear_2}``, each ``{"w", "b"}``), and

    trace = hmodel.forward(hmodel.params, ids, key_is_real)

is a jitted, batched forward pass: ``ids`` int [B, T] (position 0 = BOS), ``key_is_real``
bool [B, T] (optional; default ``ids != PAD``), returning a ``HaikuTrace`` whose fields are
those of ``tracr.model.forward.ForwardTrace``. The unembedding is not a parameter (the
reference had none); it is ``hmodel.unembedding``, a constant of the function.
``hmodel.transformed`` is the ``hk.Transformed`` itself (``init`` / ``apply``, no rng).
Computation is float32 unless JAX's
x64 mode is on when ``to_haiku`` is called. In float32, a model the compiler did not prove
exact in float32 (``model.precision``) raises ``InexactFormatError`` naming the problem:
enable x64 (``jax.config.update("jax_enable_x64", True)``) or pass ``allow_inexact=True``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from tracr.backends import _common
from tracr.errors import MissingDependencyError
from tracr.model import CompiledModel, ModelConfig, ModelOutput, number_formats


class HaikuTrace(NamedTuple):
    """Every intermediate of one forward pass (a pytree; see ``ForwardTrace``)."""

    input_embeddings: Any  # [B, T, D]
    layer_outputs: list  # 2 * n_layers of [B, T, D]: attn, mlp, attn, ...
    residuals: list  # 2 * n_layers of [B, T, D]
    attn_logits: list  # n_layers of [B, H, T, T], masked entries at -inf
    attn_patterns: list  # n_layers of [B, H, T, T]
    transformer_output: Any  # [B, T, D]
    logits: Any  # [B, T, n_out]: the residual read through the unembedding


@dataclasses.dataclass
class HaikuModel:
    """A compiled model in Haiku; build it with ``to_haiku``. See the module docstring."""

    transformed: Any
    forward: Callable[..., HaikuTrace]
    params: dict
    compiled: CompiledModel

    @property
    def model_config(self) -> ModelConfig:
        return self.compiled.model_config

    @property
    def unembedding(self) -> np.ndarray:
        return self.compiled.unembedding

    @property
    def residual_labels(self) -> list[str]:
        return self.compiled.residual_labels

    @property
    def input_encoder(self) -> Any:
        return self.compiled.input_encoder

    @property
    def output_encoder(self) -> Any:
        return self.compiled.output_encoder

    def get_compiled_model(self) -> Any:
        """The ``hk.Transformed`` (``transformed``). The reference's ``get_compiled_model``,
        returning the Haiku module, is the compiled model's own (``tracr.transformer``)."""
        return self.transformed

    def apply(self, tokens: Sequence) -> ModelOutput:
        """Like ``CompiledModel.apply``: one sequence starting with BOS, maybe right-padded."""
        out = self.apply_batch([tokens], pad=False)
        out.decoded = out.decoded[0]
        return out

    def apply_batch(self, batch: Sequence[Sequence], pad: bool = True) -> ModelOutput:
        """Like ``CompiledModel.apply_batch``: shorter sequences are right-padded and masked."""
        enc = _common.encode_batch(self.compiled, batch, pad)
        ids, key_is_real = _bucket(enc, self.model_config.n_ctx, _common.pad_id(self.compiled))
        trace = self.forward(self.params, ids, key_is_real)
        b, t = enc.ids.shape
        arrays = {f: _crop(v, b, t) for f, v in trace._asdict().items()}
        return _common.model_output(self.compiled, enc, arrays)


def _bucket(enc: _common.EncodedBatch, n_ctx: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad to the full context and a power-of-two batch, so jit compiles few shapes.

    Padded keys are masked, so the real rows and positions compute exactly what they would
    unpadded; the extra rows hold BOS then PAD.
    """
    b, t = enc.ids.shape
    rows = 1 << (b - 1).bit_length()
    ids = np.full((rows, n_ctx), pad_id, dtype=enc.ids.dtype)
    ids[:, 0] = enc.ids[0, 0]  # BOS
    ids[:b, :t] = enc.ids
    key_is_real = ids != pad_id
    return ids, key_is_real


def _crop(value: Any, b: int, t: int) -> Any:
    """Back to the caller's [b, t] from the bucketed shape (attention arrays: [b, H, t, t])."""
    if isinstance(value, list):
        return [_crop(v, b, t) for v in value]
    a = np.asarray(value)
    return a[:b, :, :t, :t] if a.ndim == 4 else a[:b, :t]


JAX_ADVICE = ("enable JAX's float64 first (jax.config.update('jax_enable_x64', True)) or "
              "compile with layout='reference' where an economical numerical EQ is named")


def check_jax_format(model: CompiledModel, allow_inexact: bool) -> None:
    """Raise ``InexactFormatError`` when JAX computes in float32 (x64 off) and ``model`` is
    not proven exact in float32."""
    import jax

    fmt = "float64" if jax.dtypes.canonicalize_dtype(np.float64) == np.float64 else "float32"
    number_formats.require_exact(model.precision, fmt, allow_inexact=allow_inexact,
                                 advice=JAX_ADVICE)


def to_haiku(model: CompiledModel, *, allow_inexact: bool = False) -> HaikuModel:
    """Wrap ``model`` as a Haiku-transformed, jitted forward pass with its params (float32
    unless JAX's x64 mode is on; see the module docstring for the exactness check)."""
    try:
        import haiku as hk
        import jax
        import jax.numpy as jnp
    except ImportError as e:
        raise MissingDependencyError("dm-haiku", "jax") from e
    check_jax_format(model, allow_inexact)

    shapes = _Shapes.of(model)
    unembedding = jnp.asarray(model.unembedding)  # a constant: not a reference param name
    transformed = hk.without_apply_rng(
        hk.transform(lambda ids, key_is_real=None: _forward(shapes, unembedding, ids, key_is_real))
    )
    params = jax.device_put(model.params)  # one transfer: faster than an asarray per array
    return HaikuModel(transformed, jax.jit(transformed.apply), params, model)


@dataclasses.dataclass(frozen=True)
class _Shapes:
    config: ModelConfig
    n_tokens: int
    pad_id: int

    @classmethod
    def of(cls, model: CompiledModel) -> _Shapes:
        n_tokens = model.params["token_embed"]["embeddings"].shape[0]
        return cls(model.model_config, n_tokens, _common.pad_id(model))


def _get_params(s: _Shapes) -> dict[str, dict[str, Any]]:
    """Every parameter, fetched once under its reference name, as ``{module: {name: array}}``.

    Haiku renames a scope entered twice (``transformer_1``), so each scope is entered once,
    nested: transformer / layer_i / attn / query.
    """
    import haiku as hk
    import jax.numpy as jnp

    c = s.config
    hk_, d, m = c.num_heads * c.key_size, c.d_model, c.mlp_hidden_size
    params: dict[str, dict[str, Any]] = {}

    def fetch(path: str, shapes: dict[str, tuple[int, ...]]) -> None:
        params[path] = {k: hk.get_parameter(k, v, init=jnp.zeros) for k, v in shapes.items()}

    def dense(prefix: str, name: str, n_in: int, n_out: int) -> None:
        with hk.name_scope(name):
            fetch(f"{prefix}/{name}", {"w": (n_in, n_out), "b": (n_out,)})

    for name, rows in (("token_embed", s.n_tokens), ("pos_embed", c.n_ctx)):
        with hk.name_scope(name):
            fetch(name, {"embeddings": (rows, d)})
    with hk.name_scope("transformer"):
        for layer in range(c.num_layers):
            prefix = f"transformer/layer_{layer}"
            with hk.name_scope(f"layer_{layer}"):
                with hk.name_scope("attn"):
                    for name in ("query", "key", "value"):
                        dense(f"{prefix}/attn", name, d, hk_)
                    dense(f"{prefix}/attn", "linear", hk_, d)
                with hk.name_scope("mlp"):
                    dense(f"{prefix}/mlp", "linear_1", d, m)
                    dense(f"{prefix}/mlp", "linear_2", m, d)
    return params


def _forward(s: _Shapes, unembedding: Any, ids: Any, key_is_real: Any) -> HaikuTrace:
    import jax.numpy as jnp

    c, p = s.config, _get_params(s)
    _, t = ids.shape
    if key_is_real is None:
        key_is_real = ids != s.pad_id  # [B, T]
    mask = key_is_real[:, None, None, :]  # [B, 1, 1, T]
    if c.causal:
        mask = mask & jnp.tril(jnp.ones((t, t), dtype=bool))[None, None]  # [B, 1, T, T]
    x = p["token_embed"]["embeddings"][ids] + p["pos_embed"]["embeddings"][:t]  # [B, T, D]
    trace = HaikuTrace(x, [], [], [], [], x, x)
    for layer in range(c.num_layers):
        attn_out, logits, pattern = _attention(c, p, f"transformer/layer_{layer}/attn", x, mask)
        x = x + attn_out
        trace.layer_outputs.append(attn_out)
        trace.residuals.append(x)
        trace.attn_logits.append(logits)
        trace.attn_patterns.append(pattern)
        mlp_out = _mlp(p, f"transformer/layer_{layer}/mlp", x)
        x = x + mlp_out
        trace.layer_outputs.append(mlp_out)
        trace.residuals.append(x)
    logits = x @ unembedding  # [B, T, n_out]
    return trace._replace(transformer_output=x, logits=logits)


def _dense(p: dict, name: str, x: Any) -> Any:
    return x @ p[name]["w"] + p[name]["b"]


def _attention(c: ModelConfig, p: dict, prefix: str, x: Any, mask: Any) -> tuple[Any, Any, Any]:
    """Multi-head attention; returns (output [B,T,D], logits [B,H,T,T], pattern [B,H,T,T])."""
    b, t, _ = x.shape
    h, dk = c.num_heads, c.key_size

    def heads(name: str) -> Any:
        y = _dense(p, f"{prefix}/{name}", x)  # [B, T, H*dk]
        return y.reshape(b, t, h, dk).transpose(0, 2, 1, 3)  # [B, H, T, dk]

    z, logits, pattern = attend(heads("query"), heads("key"), heads("value"), mask)
    return _dense(p, f"{prefix}/linear", z), logits, pattern  # out: [B, T, D]


def attend(q: Any, k: Any, v: Any, mask: Any) -> tuple[Any, Any, Any]:
    """Scaled dot-product attention of heads [B, H, T, dk] under a boolean ``mask``
    broadcastable to [B, H, T, T]; returns (z [B, T, H*dk], logits, pattern [B, H, T, T]).

    Shared with ``tracr.transformer`` (the reference-shaped Haiku modules).
    """
    import jax
    import jax.numpy as jnp

    b, h, t, dk = q.shape
    logits = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dk)  # [B, H, T, T]
    logits = jnp.where(mask, logits, -jnp.inf)
    pattern = jax.nn.softmax(logits, axis=-1)  # [B, H, T, T]
    z = (pattern @ v).transpose(0, 2, 1, 3).reshape(b, t, h * v.shape[-1])  # [B, T, H*dv]
    return z, logits, pattern


def _mlp(p: dict, prefix: str, x: Any) -> Any:
    """One hidden ReLU layer: relu(x W1 + b1) W2 + b2."""
    import jax

    hidden = jax.nn.relu(_dense(p, f"{prefix}/linear_1", x))
    return _dense(p, f"{prefix}/linear_2", hidden)  # [B, T, D]
