"""Pictures of a compression (needs the ``viz`` extra; matplotlib is imported lazily).

    from tracr.compress import plots
    plots.overlap_heatmap(result.model, path="wtw.png")    # w.T @ w, labelled
    plots.feature_norms(result.model, path="norms.png")    # |w[:, j]| per feature
    plots.accuracy_curve(sweep_results, path="curve.png")  # accuracy against embedding_size

``w.T @ w`` [d_model, d_model] says which features share directions: entry (i, j) is the dot
product of feature i's and feature j's directions in the compressed stream; an identity
would mean no interference. Every function returns a ``matplotlib.figure.Figure`` (built
without pyplot) and writes it when given a ``.png`` or ``.svg`` path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tracr.compress.model import CompressedModel
from tracr.errors import CompressionError, MissingDependencyError

FORMATS = ("png", "svg")


def overlap_heatmap(model: CompressedModel, path: str | os.PathLike | None = None) -> Any:
    """``w.T @ w`` as a heat map whose rows and columns are the residual labels."""
    _check_path(path)
    wtw = model.w.T @ model.w  # [D, D]
    labels = model.residual_labels
    size = 3 + 0.22 * len(labels)
    fig = _figure(size + 1.5, size)
    ax = fig.add_subplot()
    bound = max(float(np.abs(wtw).max()), 1e-12)
    image = ax.imshow(wtw, cmap="RdBu_r", vmin=-bound, vmax=bound)
    _ticks(ax, labels)
    ax.set_title(f"w.T @ w (embedding_size {model.embedding_size}, d_model {len(labels)})")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _save(fig, path)


def feature_norms(model: CompressedModel, path: str | os.PathLike | None = None) -> Any:
    """The length of every feature's direction ``|w[:, j]|``, one bar per residual label."""
    _check_path(path)
    norms = np.linalg.norm(model.w, axis=0)  # [D]
    labels = model.residual_labels
    fig = _figure(3 + 0.25 * len(labels), 4)
    ax = fig.add_subplot()
    ax.bar(range(len(labels)), norms)
    ax.set_xticks(range(len(labels)))
    for t in ax.set_xticklabels(labels, rotation=90, fontsize=7):
        t.set_parse_math(False)
    ax.set_ylabel("|w[:, feature]|")
    ax.set_title(f"feature norms (embedding_size {model.embedding_size})")
    return _save(fig, path)


def accuracy_curve(results: Sequence[Any], path: str | os.PathLike | None = None) -> Any:
    """Held-out accuracy against ``embedding_size`` for the results of ``sweep``."""
    _check_path(path)
    if not results:
        raise CompressionError("accuracy_curve needs at least one CompressionResult")
    sizes = [r.embedding_size for r in results]
    accuracy = [100 * r.accuracy for r in results]
    fig = _figure(6, 4)
    ax = fig.add_subplot()
    ax.plot(sizes, accuracy, marker="o")
    d_model = results[0].model.compiled.model_config.d_model
    ax.axvline(d_model / 2, color="grey", linestyle=":", label="d_model / 2")
    ax.set_xlabel("embedding_size")
    ax.set_ylabel("held-out positions exact (%)")
    ax.set_ylim(0, 101)
    ax.set_title(f"accuracy against embedding_size (d_model {d_model})")
    ax.legend(loc="lower right")
    return _save(fig, path)


def _figure(width: float, height: float) -> Any:
    try:
        import matplotlib.figure
    except ImportError as e:
        raise MissingDependencyError("matplotlib", "viz") from e
    return matplotlib.figure.Figure(figsize=(width, height), layout="constrained")


def _ticks(ax: Any, labels: Sequence[str]) -> None:
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    for t in [
        *ax.set_xticklabels(labels, rotation=90, fontsize=7),
        *ax.set_yticklabels(labels, fontsize=7),
    ]:
        t.set_parse_math(False)  # a label may contain "$"


def _check_path(path: str | os.PathLike | None) -> None:
    if path is not None and Path(path).suffix.lstrip(".").lower() not in FORMATS:
        raise CompressionError(
            f"cannot write a picture to {os.fspath(path)!r}: use a .png or .svg path"
        )


def _save(fig: Any, path: str | os.PathLike | None) -> Any:
    if path is not None:
        fig.savefig(path, format=Path(path).suffix.lstrip(".").lower())
    return fig
