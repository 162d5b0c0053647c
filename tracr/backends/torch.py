"""The compiled model as a PyTorch ``nn.Module`` (backend; needs the ``torch`` extra).

    from tracr.backends.torch import to_torch
    tmodel = to_torch(model)                      # a plain nn.Module on CPU: float32 where
                                                  # the model is proven exact in it, else float64
    tmodel.apply(["BOS", 1, 2, 3]).decoded        # same as model.apply(...).decoded

``tmodel(ids, key_is_real)`` is the batched forward pass on token ids [B, T]; it returns every
residual, layer output, attention logit and pattern (see ``TorchTrace``). The module is built
from ``nn.Embedding``, ``nn.Linear`` and ``nn.ReLU`` only, so hooks and nnsight work on it
unchanged; ``to_torch(model, device="cuda")`` runs it on a GPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracr.errors import BackendError, MissingDependencyError
from tracr.model import CompiledModel, number_formats

if TYPE_CHECKING:
    from tracr.backends._torch_modules import TracrTorchModel


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise MissingDependencyError("torch", "torch") from e
    return torch


ADVICE = ("run it in float64 (dtype=torch.float64, the default picks it) or compile with "
          "layout='reference' where an economical numerical EQ is named")


def _check_target(torch: Any, model: Any, dtype: Any, device: Any,
                  allow_inexact: bool = False) -> tuple:
    """(dtype, device) as torch objects, or ``BackendError`` saying what is wrong.

    ``dtype`` None: float32 where the model is proven exact in it, else float64. A narrower
    dtype the model is not proven exact in raises ``InexactFormatError`` (unless
    ``allow_inexact``)."""
    if not isinstance(model, CompiledModel):
        raise BackendError(f"to_torch needs a CompiledModel (from compile_rasp_to_model or "
                           f"safetensors.load), got {type(model).__name__}")
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, dtype)
    if dtype is None:
        dtype = getattr(torch, number_formats.default_format(model.precision))
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise BackendError(f"dtype must be a torch floating-point dtype (torch.float32, "
                           f"torch.float64, ...), got {dtype!r}")
    number_formats.require_exact(model.precision, str(dtype).removeprefix("torch."),
                                 allow_inexact=allow_inexact, advice=ADVICE)
    try:
        device = None if device is None else torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise BackendError(f"device {device!r} is not a torch device ({exc})") from None
    return dtype, device


def to_torch(model: CompiledModel, dtype: Any = None, device: Any = None, *,
             allow_inexact: bool = False) -> TracrTorchModel:
    """Build a ``TracrTorchModel`` holding ``model``'s weights.

    ``dtype`` None (default) picks float32 where the compiler proved the model exact in
    float32 (``model.precision``), float64 otherwise; ``tmodel.dtype`` says which. A dtype
    the model is not proven exact in raises ``InexactFormatError`` naming the first problem;
    ``allow_inexact=True`` builds it anyway.

    The weights are copied; ``w`` matrices of shape [in, out] become ``nn.Linear`` weights of
    shape [out, in]. The module is put in eval mode (it has no dropout; this only matters for
    tools that check the flag).
    """
    torch = _import_torch()
    from tracr.backends import _common
    from tracr.backends._torch_modules import TracrTorchModel

    dtype, device = _check_target(torch, model, dtype, device, allow_inexact)
    cfg = model.model_config
    tmodel = TracrTorchModel(
        n_tokens=model.params["token_embed"]["embeddings"].shape[0],
        n_ctx=cfg.n_ctx,
        d_model=cfg.d_model,
        n_layers=cfg.num_layers,
        n_heads=cfg.num_heads,
        d_head=cfg.key_size,
        d_mlp=cfg.mlp_hidden_size,
        n_out=model.unembedding.shape[1],
    )
    try:
        tmodel = tmodel.to(dtype=dtype, device=device)
    except (RuntimeError, AssertionError, TypeError, ValueError) as exc:
        raise BackendError(f"cannot place the model on device {device!r}: {exc}") from exc
    with torch.no_grad():
        for name, value in _state_dict(model).items():
            tmodel.get_parameter(name).copy_(torch.as_tensor(value))
        if cfg.causal:
            tmodel.causal_mask.copy_(torch.tril(tmodel.causal_mask))
    tmodel.pad_id = _common.pad_id(model)
    tmodel.compiled = model
    tmodel.dtype = dtype
    return tmodel.eval()


def _state_dict(model: CompiledModel) -> dict[str, Any]:
    """Torch parameter name -> numpy array (already transposed to torch's layout)."""
    p = model.params
    state = {
        "token_embed.weight": p["token_embed"]["embeddings"],
        "pos_embed.weight": p["pos_embed"]["embeddings"],
        "unembedding": model.unembedding,
    }
    for i in range(model.model_config.num_layers):
        for sub, names in (
            ("attn", ("query", "key", "value", "linear")),
            ("mlp", ("linear_1", "linear_2")),
        ):
            for name in names:
                src = p[f"transformer/layer_{i}/{sub}/{name}"]
                state[f"blocks.{i}.{sub}.{name}.weight"] = src["w"].T
                state[f"blocks.{i}.{sub}.{name}.bias"] = src["b"]
    return state


def __getattr__(name: str) -> Any:
    # ``tracr.backends.torch.TracrTorchModel`` without importing torch at module import time.
    if name in ("TracrTorchModel", "TorchTrace"):
        _import_torch()
        from tracr.backends import _torch_modules

        return getattr(_torch_modules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
