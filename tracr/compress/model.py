"""The compressed model: a compiled model whose residual stream is squeezed through ``w``.

    cm = CompressedModel(compiled, w)           # w: [embedding_size, d_model]
    cm.apply(["BOS", 1, 2, 3]).decoded          # like CompiledModel.apply (numpy, float64)
    cm.fold()                                   # the same model as a plain CompiledModel
                                                # with d_model = embedding_size

Conventions (the reference's): the stream holds ``c`` of size ``embedding_size``; everything
written to it goes through ``x @ w.T`` and everything read from it through ``c @ w``. The
compiled weights compute in the original, labelled basis in between. ``fold`` moves ``w``
into the weights (``E -> E w.T``, ``W_in -> w W_in``, ``W_out -> W_out w.T``, ``U -> w U``),
which is exact because the stream is only ever touched through ``w``; so the folded model
runs in every backend and exports to TransformerLens unchanged. A model trained with
``decompress_every_layer`` (a round trip ``c -> c w w.T`` before every sublayer) is no plain
transformer and does not fold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracr.errors import CompressionError
from tracr.model import CompiledModel, ModelOutput, batching
from tracr.model import forward as fwd

LABEL = "compressed"  # residual labels of a folded model: compressed:0, compressed:1, ...


@dataclasses.dataclass(frozen=True, eq=False)
class CompressedModel:
    """``compiled`` (maybe fine-tuned) read and written through ``w`` [embedding_size, d_model].

    ``residual_labels`` are the compiled model's: column j of ``w`` is the direction that
    feature ``residual_labels[j]`` takes in the compressed stream.
    """

    compiled: CompiledModel
    w: np.ndarray  # [K, D]
    decompress_every_layer: bool = False

    def __post_init__(self) -> None:
        d = self.compiled.model_config.d_model
        w = np.asarray(self.w, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != d or w.shape[0] < 1:
            raise CompressionError(
                f"w has shape {list(np.shape(self.w))}; it must be [embedding_size, d_model] "
                f"with d_model = {d} and embedding_size >= 1"
            )
        object.__setattr__(self, "w", w)

    @property
    def embedding_size(self) -> int:
        return self.w.shape[0]

    @property
    def residual_labels(self) -> list[str]:
        return list(self.compiled.residual_labels)

    @property
    def input_encoder(self):
        return self.compiled.input_encoder

    @property
    def output_encoder(self):
        return self.compiled.output_encoder

    def apply(self, tokens: Sequence) -> ModelOutput:
        """Like ``CompiledModel.apply``; residuals are in the compressed basis [1, T, K] and
        ``layer_outputs`` are the sublayers' writes read back in the original basis."""
        out = self.apply_batch([tokens], pad=False)
        out.decoded = out.decoded[0]
        return out

    def apply_batch(self, batch: Sequence[Sequence], pad: bool = True) -> ModelOutput:
        enc = batching.encode_batch(self.input_encoder, batch, pad)
        trace = self.forward(enc.ids, enc.key_is_real)
        decoded = batching.decode_batch(self.input_encoder, self.output_encoder, trace.logits, enc)
        fields = {f.name: getattr(trace, f.name) for f in dataclasses.fields(trace)}
        unembedded = self.output_encoder.unembed(trace.logits)
        return ModelOutput(decoded=decoded, unembedded=unembedded, lengths=enc.lengths, **fields)

    def forward(self, ids: np.ndarray, key_is_real: np.ndarray) -> fwd.ForwardTrace:
        """The numpy forward pass on token ids [B, T] (see ``tracr.compress._modules``)."""
        p, cfg, w = self.compiled.params, self.compiled.model_config, self.w
        t = ids.shape[1]
        x = p["token_embed"]["embeddings"][ids] + p["pos_embed"]["embeddings"][:t]  # [B, T, D]
        c = fwd.dense(x, w.T)  # [B, T, K]
        mask = fwd.attention_mask(key_is_real, cfg.causal)
        trace = fwd.ForwardTrace(c, [], [], [], [], c, c)
        for layer in range(cfg.num_layers):
            for sub in ("attn", "mlp"):
                if self.decompress_every_layer:
                    c = fwd.dense(fwd.dense(c, w), w.T)
                read = fwd.dense(c, w)  # [B, T, D]
                if sub == "attn":
                    out, logits, pattern = fwd.attention(p, layer, read, mask, cfg)
                    trace.attn_logits.append(logits)
                    trace.attn_patterns.append(pattern)
                else:
                    out = fwd.mlp(p, layer, read)
                write = fwd.dense(out, w.T)  # [B, T, K]
                c = c + write
                trace.layer_outputs.append(fwd.dense(write, w))  # [B, T, D]
                trace.residuals.append(c)
        trace.transformer_output = c
        trace.logits = fwd.dense(fwd.dense(c, w), self.compiled.unembedding)
        return trace

    def fold(self) -> CompiledModel:
        """The same model as a ``CompiledModel`` with ``d_model = embedding_size``.

        Its residual labels are ``compressed:0``, ``compressed:1``, ... (a compressed
        direction holds no single feature); everything else is the compiled model's.
        """
        if self.decompress_every_layer:
            raise CompressionError(
                "a model compressed with decompress_every_layer=True multiplies its stream by "
                "w @ w.T before every sublayer, which a plain transformer cannot; compress "
                "with decompress_every_layer=False to fold or export it"
            )
        k = self.embedding_size
        return dataclasses.replace(
            self.compiled,
            params=_folded_params(self.compiled.params, self.w),
            model_config=dataclasses.replace(self.compiled.model_config, d_model=k),
            residual_labels=[f"{LABEL}:{i}" for i in range(k)],
            unembedding=self.w @ self.compiled.unembedding,  # [K, n_out]
        )

    def to_torch(self, dtype: Any = None, device: Any = None) -> Any:
        """The compressed model as a torch module (``CompressedTorchModel``, float32 default)
        whose ``w`` is a parameter; the compiled weights are frozen."""
        from tracr.backends.torch import _import_torch, to_torch

        torch = _import_torch()
        from tracr.compress._modules import CompressedTorchModel

        # A compressed model is an approximation trained in float32; exactness is not its
        # contract, so the compiled model's float32 record does not gate it.
        inner = to_torch(self.compiled, dtype=dtype or torch.float32, device=device,
                         allow_inexact=True)
        w = torch.as_tensor(self.w)
        return CompressedTorchModel(inner, w, self.decompress_every_layer)

    def to_transformer_lens(self, dtype: Any = None, device: Any = None) -> Any:
        """The folded model (see ``fold``) as a TransformerLens model."""
        import torch

        from tracr.export.transformer_lens import to_transformer_lens

        return to_transformer_lens(self.fold(), dtype=dtype or torch.float32, device=device,
                                   allow_inexact=True)  # an approximation: see to_torch


def _folded_params(params: fwd.Params, w: np.ndarray) -> fwd.Params:
    """Every weight that reads the stream gets ``w @`` in front, every one that writes it
    ``@ w.T`` behind (biases of writers too)."""
    out: fwd.Params = {}
    for module, arrays in params.items():
        name = module.rsplit("/", 1)[-1]
        if module in ("token_embed", "pos_embed"):
            out[module] = {"embeddings": arrays["embeddings"] @ w.T}
        elif name in ("query", "key", "value", "linear_1"):
            out[module] = {"w": w @ arrays["w"], "b": arrays["b"]}
        elif name in ("linear", "linear_2"):
            out[module] = {"w": arrays["w"] @ w.T, "b": arrays["b"] @ w.T}
        else:
            raise CompressionError(f"cannot fold the compiled parameter {module!r}")
    return out
