"""The compiled model as a TransformerLens model (export; needs the ``transformer-lens`` extra).

    from tracr.export.transformer_lens import to_transformer_lens
    tl_model = to_transformer_lens(model)                 # HookedTransformer (3.x) / Bridge (4.x)
    logits, cache = tl_model.run_with_cache(torch.tensor([model.input_encoder.encode(tokens)]))

transformer-lens 3.x gives a ``HookedTransformer`` (a subclass that masks PAD keys, see
``_hooked``); 4.x, which removed HookedTransformer, gives a ``TransformerBridge`` around its
TL-native model. Both hold the same weights in the same hook layout:

- ``W_E`` = token embedding (``d_vocab`` = every input token incl. BOS and PAD), ``W_pos`` =
  position embedding (``n_ctx`` = max_seq_len + 1), no layer norm, ReLU MLPs;
- ``W_Q/W_K/W_V`` [n_heads, d_model, d_head] and ``W_O`` [n_heads, d_head, d_model] from the
  ``attn/{query,key,value,linear}`` matrices; ``d_head`` = the model's ``key_size``;
- ``W_U`` = the explicit unembedding [d_model, n_out] and ``b_U`` = 0, so the logits are the
  numpy model's ``logits``; their argmax ids decode with ``model.output_encoder.decode``;
- the standard 1/sqrt(d_head) attention scale, the convention tracr compiles for.

Padding: PAD keys are masked in every head. On 3.x the mask comes from the ids (``!= PAD``)
or the ``attention_mask`` argument; on 4.x pass ``attention_mask=ids != pad_id`` (see
``key_mask``). Models with layer norm or another activation cannot be held and raise
``UnsupportedExprError``; layers without heads or MLP units get one zero head / unit.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from typing import Any

import numpy as np

from tracr.errors import MissingDependencyError, UnsupportedExprError
from tracr.model import CompiledModel


def to_transformer_lens(model: CompiledModel, dtype: Any = None, device: Any = None, *,
                        allow_inexact: bool = False) -> Any:
    """A TransformerLens model computing ``model`` on CPU unless told otherwise.

    ``dtype`` None: float32 where the compiler proved the model exact in it, else float64;
    a dtype it is not proven exact in raises ``InexactFormatError`` (``allow_inexact=True``
    builds it anyway), as ``to_torch`` does.

    Returns a ``HookedTransformer`` with transformer-lens 3.x and a ``TransformerBridge``
    with 4.x; ``transformer_lens_major()`` says which is installed.
    """
    major = transformer_lens_major()
    import torch

    _check_supported(model)
    from tracr.backends.torch import _check_target

    dtype, _ = _check_target(torch, model, dtype, None, allow_inexact)
    if major >= 4:
        return _bridge(model, dtype, device)
    return _hooked_transformer(model, dtype, device)


def transformer_lens_major() -> int:
    """The installed transformer-lens major version; raises if it is not installed."""
    try:
        import transformer_lens  # noqa: F401

        version = importlib.metadata.version("transformer-lens")
    except ImportError as e:
        raise MissingDependencyError("transformer-lens", "transformer-lens") from e
    major = int(version.split(".")[0])
    if major < 3:
        raise MissingDependencyError("transformer-lens>=3", "transformer-lens")
    return major


def key_mask(model: CompiledModel, ids: Any) -> Any:
    """The ``attention_mask`` for token ids [batch, pos]: True where the token is not PAD."""
    enc = model.input_encoder
    return ids != enc.encoding_map[enc.pad_token]


def _check_supported(model: CompiledModel) -> None:
    cfg = model.model_config
    problems = []
    if cfg.layer_norm:
        problems.append("layer_norm=True: tracr exports only models without layer norm")
    if cfg.activation != "relu":
        problems.append(f"activation {cfg.activation!r}: only 'relu' is exported")
    if problems:
        raise UnsupportedExprError([f"TransformerLens export: {p}" for p in problems])


def _sizes(model: CompiledModel) -> dict[str, int]:
    """TL sizes; a sublayer of width 0 becomes one zero unit, which TL can represent."""
    c = model.model_config
    no_heads = c.num_heads * c.key_size == 0
    return {
        "n_layers": c.num_layers,
        "d_model": c.d_model,
        "n_ctx": c.n_ctx,
        "n_heads": 1 if no_heads else c.num_heads,
        "d_head": 1 if no_heads else c.key_size,
        "d_mlp": max(c.mlp_hidden_size, 1),
        "d_vocab": model.params["token_embed"]["embeddings"].shape[0],
        "d_vocab_out": model.unembedding.shape[1],
    }


def tl_state_dict(model: CompiledModel) -> dict[str, np.ndarray]:
    """The weights in HookedTransformer's parameter names and shapes (numpy)."""
    s = _sizes(model)
    h, dk, d, m = s["n_heads"], s["d_head"], s["d_model"], s["d_mlp"]
    p = model.params
    state = {
        "embed.W_E": p["token_embed"]["embeddings"],
        "pos_embed.W_pos": p["pos_embed"]["embeddings"],
        "unembed.W_U": model.unembedding,
        "unembed.b_U": np.zeros(model.unembedding.shape[1], model.unembedding.dtype),
    }
    for i in range(s["n_layers"]):
        attn, mlp = f"transformer/layer_{i}/attn", f"transformer/layer_{i}/mlp"
        for name, tl in (("query", "Q"), ("key", "K"), ("value", "V")):
            w, b = (
                _pad(p[f"{attn}/{name}"]["w"], (d, h * dk)),
                _pad(p[f"{attn}/{name}"]["b"], (h * dk,)),
            )
            state[f"blocks.{i}.attn.W_{tl}"] = w.reshape(d, h, dk).transpose(1, 0, 2)
            state[f"blocks.{i}.attn.b_{tl}"] = b.reshape(h, dk)
        state[f"blocks.{i}.attn.W_O"] = _pad(p[f"{attn}/linear"]["w"], (h * dk, d)).reshape(
            h, dk, d
        )
        state[f"blocks.{i}.attn.b_O"] = p[f"{attn}/linear"]["b"]
        state[f"blocks.{i}.mlp.W_in"] = _pad(p[f"{mlp}/linear_1"]["w"], (d, m))
        state[f"blocks.{i}.mlp.b_in"] = _pad(p[f"{mlp}/linear_1"]["b"], (m,))
        state[f"blocks.{i}.mlp.W_out"] = _pad(p[f"{mlp}/linear_2"]["w"], (m, d))
        state[f"blocks.{i}.mlp.b_out"] = p[f"{mlp}/linear_2"]["b"]
    return state


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` itself, or zeros of ``shape`` when ``a`` is empty (a width-0 sublayer)."""
    return a if a.size else np.zeros(shape, a.dtype)


def _config_fields(model: CompiledModel, dtype: Any, device: Any) -> dict[str, Any]:
    return _sizes(model) | {
        "act_fn": "relu",
        "normalization_type": None,
        "attn_only": False,
        "positional_embedding_type": "standard",
        "attention_dir": "causal" if model.model_config.causal else "bidirectional",
        "default_prepend_bos": False,
        "original_architecture": "tracr",
        "model_name": "tracr-compiled",
        "dtype": dtype,
        "device": device,
    }


def _hooked_transformer(model: CompiledModel, dtype: Any, device: Any) -> Any:
    import torch
    from transformer_lens import HookedTransformerConfig

    from tracr.export._hooked import TracrHookedTransformer

    fields = _config_fields(model, dtype, str(device) if device is not None else "cpu")
    cfg = HookedTransformerConfig(**fields, init_weights=False)
    enc = model.input_encoder
    with warnings.catch_warnings():
        # 3.x deprecates HookedTransformer in favour of 4.x's TransformerBridge; tracr builds
        # the bridge on 4.x, so the warning tells the user nothing they can act on.
        warnings.filterwarnings("ignore", "HookedTransformer is deprecated", DeprecationWarning)
        tl_model = TracrHookedTransformer(cfg, pad_id=enc.encoding_map[enc.pad_token])
    state = {k: torch.as_tensor(np.ascontiguousarray(v)) for k, v in tl_state_dict(model).items()}
    params = dict(tl_model.named_parameters())
    if set(params) != set(state):
        raise RuntimeError(
            f"this transformer-lens has parameters {sorted(set(params) ^ set(state))} that "
            "tracr does not map; please report the transformer-lens version"
        )
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)
    return tl_model.eval()


def _bridge(model: CompiledModel, dtype: Any, device: Any) -> Any:
    import torch
    from transformer_lens.config import TransformerBridgeConfig
    from transformer_lens.model_bridge import TransformerBridge
    from transformer_lens.utilities.tl_checkpoint_conversion import convert_tl_checkpoint

    fields = _config_fields(model, dtype, device)
    fields.pop("original_architecture")
    cfg = TransformerBridgeConfig(**fields, architecture="TransformerLensNative")
    bridge = TransformerBridge.boot_native(cfg, device=device, dtype=dtype)
    state = {
        k: torch.as_tensor(np.ascontiguousarray(v), dtype=dtype)
        for k, v in tl_state_dict(model).items()
    }
    converted = convert_tl_checkpoint(state, cfg)
    result = bridge.load_state_dict(converted, strict=True)
    if result.missing_keys or result.unexpected_keys:
        raise RuntimeError(f"transformer-lens bridge did not take the weights: {result}")
    enc = model.input_encoder
    pad_id = enc.encoding_map[enc.pad_token]
    bridge.original_model.register_forward_pre_hook(_mask_pad_keys(pad_id), with_kwargs=True)
    return bridge.eval()


def _mask_pad_keys(pad_id: int) -> Any:
    """A pre-hook on the bridge's native model: no ``attention_mask`` given -> ids != PAD.

    The bridge hands its native model the caller's mask, which masks keys in every head
    (causal or not); the hook supplies the mask when the caller gave none, so ``bridge(ids)``
    and ``run_with_cache(ids)`` on padded ids mask PAD like the numpy model.
    """

    def hook(module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        ids = kwargs.get("input_ids", args[0] if args else None)
        if kwargs.get("attention_mask") is None and ids is not None and not ids.is_floating_point():
            kwargs["attention_mask"] = (ids != pad_id).long()  # [batch, pos]
        return args, kwargs

    return hook
