"""Compressing a compiled model's residual stream by gradient descent (needs ``tracr[torch]``).

The superposition laboratory of the Tracr paper (section 5): learn ``w`` [embedding_size,
d_model] so that the compiled model, with its residual stream squeezed to ``embedding_size``
dimensions (written through ``x @ w.T``, read through ``c @ w``), still computes its program.

    from tracr.compress import compress
    result = compress(model, embedding_size=8, seed=0)
    result.accuracy                       # held-out positions decoded exactly
    result.model.apply(["BOS", 1, 2]).decoded
    save(result.model, "small.safetensors"); load("small.safetensors")

``CompressedModel`` (``model.py``) is the compressed model and its numpy forward pass;
``training.py`` the loss and the loop; ``data.py`` the inputs; ``files.py`` the file format;
``plots.py`` the pictures (``tracr[viz]``). A leaf above ``tracr.backends``: nothing in tracr
but the command line imports it.
"""

from __future__ import annotations

from tracr.compress.files import load, save
from tracr.compress.model import CompressedModel
from tracr.compress.sweep import sweep
from tracr.compress.training import CompressionResult, Step, TrainConfig, compress

__all__ = [
    "CompressedModel", "CompressionResult", "Step", "TrainConfig", "compress", "load", "save",
    "sweep",
]  # fmt: skip
