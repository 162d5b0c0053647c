"""Shared plumbing of the pictures: the lazy matplotlib import, running the model, saving.

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: nothing is
registered in pyplot's global figure list (no "too many figures" warning, no leak in loops),
and no GUI backend is ever selected. Notebooks still display the returned figures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracr.errors import MissingDependencyError, TracrError
from tracr.model.model import CompiledModel, ModelOutput

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

IMAGE_FORMATS = ("png", "svg")


class VizError(TracrError, ValueError):
    """A picture was asked for with options the model cannot satisfy (unknown layer, SOp...)."""


def require_matplotlib() -> Any:
    """Import matplotlib, or say which extra to install."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401
    except ImportError as e:
        raise MissingDependencyError("matplotlib", "viz") from e
    return matplotlib


def new_figure(width: float, height: float, constrained: bool = True) -> Figure:
    mpl = require_matplotlib()
    layout = "constrained" if constrained else None
    return mpl.figure.Figure(figsize=(width, height), layout=layout)


def with_bos(model: CompiledModel, tokens: Sequence) -> list:
    """The input as the model takes it: BOS first (added when missing)."""
    toks = list(tokens)
    bos = model.input_encoder.bos_token
    return toks if toks and toks[0] == bos else [bos, *toks]


def run(
    model: CompiledModel, tokens: Sequence, path: str | os.PathLike | None = None
) -> tuple[list, ModelOutput]:
    """Check ``path`` (so a bad one fails before drawing), then run the model on ``tokens``."""
    if path is not None:
        image_format_of(path)
    toks = with_bos(model, tokens)
    return toks, model.apply(toks)


def token_labels(tokens: Sequence) -> list[str]:
    return [str(t) for t in tokens]


def set_ticks(ax: Axes, axis: str, labels: Sequence[str], **kw: Any) -> None:
    """Fixed ticks 0..n-1 with literal labels (no mathtext: a token may contain ``$``)."""
    setter = ax.set_xticks if axis == "x" else ax.set_yticks
    setter(range(len(labels)))
    texts = (ax.set_xticklabels if axis == "x" else ax.set_yticklabels)(list(labels), **kw)
    for t in texts:
        t.set_parse_math(False)


def plain_title(ax: Axes, title: str, **kw: Any) -> None:
    ax.set_title(title, **kw).set_parse_math(False)


def image_format_of(path: str | os.PathLike) -> str:
    """The image format ("png" or "svg") from the suffix; checked before any drawing."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise VizError(f"cannot write {os.fspath(path)!r}: give a path ending in .png or .svg")
    return suffix


def save(fig: Figure, path: str | os.PathLike | None) -> None:
    """Write the figure to ``path`` when given; the suffix (.png or .svg) picks the format."""
    if path is not None:
        fig.savefig(path, format=image_format_of(path), dpi=100)


def check_layers(model: CompiledModel, layers: Sequence[int] | None) -> list[int]:
    """The layers asked for, validated; all of them when ``layers`` is None."""
    n = model.model_config.num_layers
    if layers is None:
        return list(range(n))
    chosen = list(layers)
    bad = [layer for layer in chosen if not isinstance(layer, int) or not 0 <= layer < n]
    if bad:
        raise VizError(f"no layer {bad[0]!r}: this model has layers 0..{n - 1}")
    return chosen
