"""Accuracy against ``embedding_size``: one ``compress`` per size, same seed and options."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracr.compress.training import CompressionResult, compress
from tracr.model import CompiledModel


def sweep(model: CompiledModel, sizes: Iterable[int], **kwargs: Any) -> list[CompressionResult]:
    """``compress(model, k, **kwargs)`` for every k in ``sizes``, in order."""
    return [compress(model, k, **kwargs) for k in sizes]
