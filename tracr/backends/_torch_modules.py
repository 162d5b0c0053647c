"""The compiled transformer as plain ``torch.nn`` modules (imported only by ``to_torch``).

Nothing here is specific to tracr beyond the names: an embedding, a ``ModuleList`` of blocks,
each an attention and an MLP module, and an explicit unembedding matrix, so hooks, nnsight and
``torch.compile`` see an ordinary model. Submodule names follow the reference's parameter names
(``blocks[i].attn.query`` holds ``transformer/layer_{i}/attn/query``).
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn


@dataclasses.dataclass
class TorchTrace:
    """Every intermediate of one forward pass, as tensors with a leading batch axis.

    Field names and meanings are those of ``tracr.model.forward.ForwardTrace``.
    """

    input_embeddings: torch.Tensor  # [B, T, D]
    layer_outputs: list[torch.Tensor]  # 2 * n_layers of [B, T, D]: attn, mlp, attn, ...
    residuals: list[torch.Tensor]  # 2 * n_layers of [B, T, D]: the stream after each sublayer
    attn_logits: list[torch.Tensor]  # n_layers of [B, H, T, T], masked entries at -inf
    attn_patterns: list[torch.Tensor]  # n_layers of [B, H, T, T]
    transformer_output: torch.Tensor  # [B, T, D]
    logits: torch.Tensor  # [B, T, n_out]: the residual read through the unembedding


class Linear(nn.Linear):
    """``nn.Linear`` that starts at zero: every weight is then copied from the compiled model.

    (Random initialisation would be wasted work, and warns on the zero-width layers a program
    without attention or MLPs compiles to.)
    """

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.weight.zero_()
            self.bias.zero_()


class Attention(nn.Module):
    """Multi-head attention with the standard 1/sqrt(d_head) scale and a boolean key mask."""

    def __init__(self, d_model: int, n_heads: int, d_head: int):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_head
        self.query = Linear(d_model, n_heads * d_head)
        self.key = Linear(d_model, n_heads * d_head)
        self.value = Linear(d_model, n_heads * d_head)
        self.linear = Linear(n_heads * d_head, d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [B, T, D], mask [B, 1, T, T] -> (out [B, T, D], logits, pattern [B, H, T, T])."""
        b, t, _ = x.shape

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.n_heads, self.d_head).transpose(1, 2)  # [B, H, T, dk]

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        logits = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # [B, H, T, T]
        logits = logits.masked_fill(~mask, float("-inf"))
        pattern = torch.softmax(logits, dim=-1)  # [B, H, T, T]
        z = (pattern @ v).transpose(1, 2).reshape(b, t, self.n_heads * self.d_head)
        return self.linear(z), logits, pattern  # out: [B, T, D]


class MLP(nn.Module):
    """One hidden ReLU layer: relu(x W1 + b1) W2 + b2."""

    def __init__(self, d_model: int, d_mlp: int):
        super().__init__()
        self.linear_1 = Linear(d_model, d_mlp)
        self.relu = nn.ReLU()
        self.linear_2 = Linear(d_mlp, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.relu(self.linear_1(x)))  # [B, T, D]


class Block(nn.Module):
    """One layer: attention then MLP (the residual additions happen in the model's forward)."""

    def __init__(self, d_model: int, n_heads: int, d_head: int, d_mlp: int):
        super().__init__()
        self.attn = Attention(d_model, n_heads, d_head)
        self.mlp = MLP(d_model, d_mlp)


class TracrTorchModel(nn.Module):
    """A compiled tracr model in PyTorch; build it with ``tracr.backends.torch.to_torch``.

    ``forward(ids, key_is_real=None)`` takes token ids [B, T] (position 0 = BOS) and returns a
    ``TorchTrace``. ``key_is_real`` [B, T] says which keys heads may attend to; by default
    every position whose token is not PAD. ``apply`` / ``apply_batch`` take token lists and
    return the numpy model's ``ModelOutput`` (decoded values, numpy arrays).
    """

    def __init__(self, n_tokens, n_ctx, d_model, n_layers, n_heads, d_head, d_mlp, n_out):
        super().__init__()
        self.token_embed = nn.Embedding(n_tokens, d_model)
        self.pos_embed = nn.Embedding(n_ctx, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_head, d_mlp) for _ in range(n_layers))
        self.unembedding = nn.Parameter(torch.zeros(d_model, n_out))  # [D, n_out]
        self.register_buffer("causal_mask", torch.ones(n_ctx, n_ctx, dtype=torch.bool))
        self.pad_id = 0
        self.compiled = None  # the CompiledModel, for apply(); set by to_torch

    def forward(self, ids: torch.Tensor, key_is_real: torch.Tensor | None = None) -> TorchTrace:
        _, t = ids.shape
        if key_is_real is None:
            key_is_real = ids != self.pad_id  # [B, T]
        mask = key_is_real[:, None, None, :] & self.causal_mask[None, None, :t, :t]  # [B,1,T,T]
        x = self.token_embed(ids) + self.pos_embed.weight[:t]  # [B, T, D]
        trace = TorchTrace(x, [], [], [], [], x, x)
        for block in self.blocks:
            attn_out, logits, pattern = block.attn(x, mask)
            x = x + attn_out
            trace.layer_outputs.append(attn_out)
            trace.residuals.append(x)
            trace.attn_logits.append(logits)
            trace.attn_patterns.append(pattern)
            mlp_out = block.mlp(x)
            x = x + mlp_out
            trace.layer_outputs.append(mlp_out)
            trace.residuals.append(x)
        trace.transformer_output = x
        trace.logits = x @ self.unembedding  # [B, T, n_out]
        return trace

    def apply(self, tokens):
        """Like ``CompiledModel.apply``: one sequence starting with BOS, maybe right-padded."""
        out = self.apply_batch([tokens], pad=False)
        out.decoded = out.decoded[0]
        return out

    def apply_batch(self, batch, pad: bool = True):
        """Like ``CompiledModel.apply_batch``: shorter sequences are right-padded and masked."""
        from tracr.backends import _common

        enc = _common.encode_batch(self.compiled, batch, pad)
        device = self.unembedding.device
        with torch.no_grad():
            trace = self(
                torch.as_tensor(enc.ids, device=device),
                torch.as_tensor(enc.key_is_real, device=device),
            )
        arrays = {f: _to_numpy(getattr(trace, f)) for f in _common.TRACE_FIELDS}
        return _common.model_output(self.compiled, enc, arrays)


def _to_numpy(x):
    if isinstance(x, list):
        return [_to_numpy(i) for i in x]
    return x.detach().cpu().numpy()
