"""The compressed model as a PyTorch module (imported only by ``tracr.compress`` functions).

The compiled model's own torch modules (``tracr.backends.torch``) compute every sublayer in
the original, labelled basis; this module wraps them around a residual stream of size
``embedding_size``, reached only through ``w`` [embedding_size, d_model]:

    c = (token_embed[ids] + pos_embed[:T]) @ w.T           # write: [B, T, K]
    for each sublayer f (attn, mlp, attn, ...):
        c = c + f(c @ w) @ w.T                             # read through w, write through w.T
    logits = (c @ w) @ unembedding

With ``decompress_every_layer`` the stream also makes a round trip through the original basis
before every sublayer (``c = c @ w @ w.T``), as if it were stored decompressed; that is the
identity only when ``w`` has orthonormal rows, so training in this mode pulls ``w`` towards it.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from tracr.backends._torch_modules import TracrTorchModel


@dataclasses.dataclass
class CompressedTrace:
    """One forward pass of a compressed model (leading batch axis everywhere).

    ``residuals``, ``input_embeddings`` and ``transformer_output`` are in the compressed basis
    [B, T, K]; ``layer_outputs`` are what each sublayer wrote, read back in the original basis
    (``write @ w``) [B, T, D], to be compared with the compiled model's sublayer outputs.
    """

    input_embeddings: torch.Tensor  # [B, T, K]
    layer_outputs: list[torch.Tensor]  # 2 * n_layers of [B, T, D]
    residuals: list[torch.Tensor]  # 2 * n_layers of [B, T, K]
    attn_logits: list[torch.Tensor]  # n_layers of [B, H, T, T]
    attn_patterns: list[torch.Tensor]  # n_layers of [B, H, T, T]
    transformer_output: torch.Tensor  # [B, T, K]
    logits: torch.Tensor  # [B, T, n_out]: the stream read through the unembedding


class CompressedTorchModel(nn.Module):
    """The compiled layers (``inner``, a ``TracrTorchModel``) around a compressed residual.

    ``w`` is the only parameter that requires a gradient unless the compiled weights are
    unfrozen (``inner.requires_grad_(True)``).
    """

    def __init__(self, inner: TracrTorchModel, w: torch.Tensor, decompress_every_layer: bool):
        super().__init__()
        self.inner = inner.requires_grad_(False)
        self.w = nn.Parameter(w.to(dtype=inner.unembedding.dtype, device=inner.unembedding.device))
        self.decompress_every_layer = decompress_every_layer

    def forward(
        self, ids: torch.Tensor, key_is_real: torch.Tensor | None = None
    ) -> CompressedTrace:
        inner, w = self.inner, self.w  # w: [K, D]
        _, t = ids.shape
        if key_is_real is None:
            key_is_real = ids != inner.pad_id  # [B, T]
        mask = key_is_real[:, None, None, :] & inner.causal_mask[None, None, :t, :t]  # [B,1,T,T]
        c = (inner.token_embed(ids) + inner.pos_embed.weight[:t]) @ w.T  # [B, T, K]
        trace = CompressedTrace(c, [], [], [], [], c, c)
        for block in inner.blocks:
            for sub in ("attn", "mlp"):
                if self.decompress_every_layer:
                    c = c @ w @ w.T  # [B, T, K]
                x = c @ w  # read: [B, T, D]
                if sub == "attn":
                    out, logits, pattern = block.attn(x, mask)
                    trace.attn_logits.append(logits)
                    trace.attn_patterns.append(pattern)
                else:
                    out = block.mlp(x)
                write = out @ w.T  # [B, T, K]
                c = c + write
                trace.layer_outputs.append(write @ w)  # [B, T, D]
                trace.residuals.append(c)
        trace.transformer_output = c
        trace.logits = (c @ w) @ inner.unembedding  # [B, T, n_out]
        return trace

    def apply(self, tokens):
        """Like ``CompressedModel.apply``: one sequence starting with BOS (numpy outputs)."""
        out = self.apply_batch([tokens], pad=False)
        out.decoded = out.decoded[0]
        return out

    def apply_batch(self, batch, pad: bool = True):
        """Like ``CompressedModel.apply_batch``, computed by this module."""
        from tracr.model import ModelOutput, batching

        compiled = self.inner.compiled
        enc = batching.encode_batch(compiled.input_encoder, batch, pad)
        device = self.w.device
        with torch.no_grad():
            trace = self(torch.as_tensor(enc.ids, device=device),
                         torch.as_tensor(enc.key_is_real, device=device))  # fmt: skip
        arrays = {
            f.name: _numpy(getattr(trace, f.name)) for f in dataclasses.fields(CompressedTrace)
        }
        decoded = batching.decode_batch(
            compiled.input_encoder, compiled.output_encoder, arrays["logits"], enc
        )
        unembedded = compiled.output_encoder.unembed(arrays["logits"])
        return ModelOutput(decoded=decoded, unembedded=unembedded, lengths=enc.lengths, **arrays)


def _numpy(x):
    if isinstance(x, list):
        return [_numpy(i) for i in x]
    return x.detach().cpu().numpy()
