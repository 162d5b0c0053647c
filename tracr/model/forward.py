"""The numpy forward pass of a compiled model: the reference every backend is tested against.

It reads top to bottom like any decoder-only transformer without layer norm:

    x = token_embed[ids] + pos_embed[:T]
    for each layer:  x = x + attn(x);  x = x + mlp(x)
    logits = x @ unembedding

Masking: key positions that hold PAD are removed from every head (so padded inputs give the
unpadded answers), and with ``causal`` each query sees only itself and earlier positions.
Position 0 always holds BOS and is never masked, so every row of the softmax has a key.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from tracr.model.config import ModelConfig

Params = dict[str, dict[str, np.ndarray]]


@dataclasses.dataclass
class ForwardTrace:
    """Every intermediate of one batched forward pass (arrays have a leading batch axis)."""

    input_embeddings: np.ndarray  # [B, T, D]
    layer_outputs: list[np.ndarray]  # 2 * n_layers of [B, T, D]: attn, mlp, attn, ...
    residuals: list[np.ndarray]  # 2 * n_layers of [B, T, D]: the stream after each sublayer
    attn_logits: list[np.ndarray]  # n_layers of [B, H, T, T], masked entries at -inf
    attn_patterns: list[np.ndarray]  # n_layers of [B, H, T, T]
    transformer_output: np.ndarray  # [B, T, D]
    logits: np.ndarray  # [B, T, n_out]: the residual read through the unembedding


def dense(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w + b`` over the last axis, as one 2-D product (numpy's N-D matmul skips BLAS)."""
    rows = math.prod(x.shape[:-1])
    y = x.reshape(rows, x.shape[-1]) @ w  # [B*T, out]
    if b is not None:
        y = y + b
    return y.reshape(*x.shape[:-1], w.shape[-1])


def layer_prefix(layer: int) -> str:
    return f"transformer/layer_{layer}"


def attention_mask(key_is_real: np.ndarray, causal: bool) -> np.ndarray:
    """[B, 1, T, T] boolean: may query t attend to key s."""
    _, t = key_is_real.shape
    mask = key_is_real[:, None, None, :]  # [B, 1, 1, T]
    if causal:
        mask = mask & np.tril(np.ones((t, t), dtype=bool))[None, None]  # [B, 1, T, T]
    return np.broadcast_to(mask, (key_is_real.shape[0], 1, t, t))


def attention(
    params: Params, layer: int, x: np.ndarray, mask: np.ndarray, config: ModelConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multi-head attention; returns (output [B,T,D], logits [B,H,T,T], pattern [B,H,T,T])."""
    p = f"{layer_prefix(layer)}/attn"
    b, t, _ = x.shape
    h, dk = config.num_heads, config.key_size

    def project(name: str) -> np.ndarray:
        y = dense(x, params[f"{p}/{name}"]["w"], params[f"{p}/{name}"]["b"])  # [B, T, H*dk]
        return y.reshape(b, t, h, dk).transpose(0, 2, 1, 3)  # [B, H, T, dk]

    q, k, v = project("query"), project("key"), project("value")
    logits = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(dk))  # [B, H, T, T]
    logits = np.where(mask, logits, -np.inf)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    pattern = weights / weights.sum(axis=-1, keepdims=True)  # [B, H, T, T]
    z = (pattern @ v).transpose(0, 2, 1, 3).reshape(b, t, h * dk)  # [B, T, H*dk]
    out = dense(z, params[f"{p}/linear"]["w"], params[f"{p}/linear"]["b"])  # [B, T, D]
    return out, logits, pattern


def mlp(params: Params, layer: int, x: np.ndarray) -> np.ndarray:
    """One hidden ReLU layer: relu(x W1 + b1) W2 + b2."""
    p = f"{layer_prefix(layer)}/mlp"
    hidden = np.maximum(dense(x, params[f"{p}/linear_1"]["w"], params[f"{p}/linear_1"]["b"]), 0.0)
    return dense(hidden, params[f"{p}/linear_2"]["w"], params[f"{p}/linear_2"]["b"])  # [B, T, D]


def forward(
    params: Params,
    config: ModelConfig,
    unembedding: np.ndarray,
    ids: np.ndarray,
    key_is_real: np.ndarray,
) -> ForwardTrace:
    """Run the model on token ids [B, T] (position 0 = BOS); ``key_is_real`` is [B, T]."""
    t = ids.shape[1]
    x = params["token_embed"]["embeddings"][ids] + params["pos_embed"]["embeddings"][:t]
    input_embeddings = x  # [B, T, D]
    mask = attention_mask(key_is_real, config.causal)
    layer_outputs, residuals, logits_all, patterns = [], [], [], []
    for layer in range(config.num_layers):
        attn_out, logits, pattern = attention(params, layer, x, mask, config)
        x = x + attn_out
        layer_outputs.append(attn_out)
        residuals.append(x)
        logits_all.append(logits)
        patterns.append(pattern)
        mlp_out = mlp(params, layer, x)
        x = x + mlp_out
        layer_outputs.append(mlp_out)
        residuals.append(x)
    return ForwardTrace(
        input_embeddings=input_embeddings,
        layer_outputs=layer_outputs,
        residuals=residuals,
        attn_logits=logits_all,
        attn_patterns=patterns,
        transformer_output=x,
        logits=dense(x, unembedding),  # [B, T, n_out]
    )
