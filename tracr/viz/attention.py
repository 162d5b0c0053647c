"""Attention patterns, one panel per head, titled with the expression the head computes.

Rows are query positions, columns key positions, both labelled with their tokens; a cell is
the softmax weight the query gives the key. The title comes from the model's layout: the
label of the SOp the head writes and the expression it implements, such as
``L1 H0: sort_11 = aggregate(sel_new_9, tokens, default=None)``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tracr.model.layout import BlockInfo
from tracr.model.model import CompiledModel
from tracr.viz._common import (
    check_layers,
    new_figure,
    plain_title,
    run,
    save,
    set_ticks,
    token_labels,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

_MAX_COLUMNS = 4


@dataclasses.dataclass(frozen=True)
class HeadPanel:
    layer: int
    head: int
    block: BlockInfo | None  # None: the head computes nothing (all its weights are zero)

    @property
    def name(self) -> str:
        return f"L{self.layer} H{self.head}"

    @property
    def title(self) -> str:
        if self.block is None:
            return f"{self.name}\n(unused)"
        return f"{self.name}: {self.block.label}\n= {self.block.description}"


def head_panels(
    model: CompiledModel, layers: Sequence[int] | None = None, show_unused: bool = False
) -> list[HeadPanel]:
    """The heads to draw, layer by layer, each with the block it computes (if any)."""
    panels = []
    for layer in check_layers(model, layers):
        by_head = {b.head: b for b in model.layout.blocks_in(layer, "attn")}
        for head in range(model.model_config.num_heads):
            if head in by_head or show_unused:
                panels.append(HeadPanel(layer, head, by_head.get(head)))
    return panels


def _draw_head(ax: Axes, pattern: np.ndarray, labels: list[str], annotate: bool) -> AxesImage:
    image = ax.imshow(pattern, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    set_ticks(ax, "x", labels, rotation=90, fontsize=8)
    set_ticks(ax, "y", labels, fontsize=8)
    ax.set_xlabel("key", fontsize=8)
    ax.set_ylabel("query", fontsize=8)
    if annotate:
        for (q, k), w in np.ndenumerate(pattern):
            if w > 0.005:
                color = "white" if w > 0.6 else "black"
                ax.text(k, q, f"{w:.2f}", ha="center", va="center", fontsize=6, color=color)
    return image


def attention_patterns(
    model: CompiledModel,
    tokens: Sequence,
    *,
    layers: Sequence[int] | None = None,
    show_unused: bool = False,
    annotate: bool = True,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Where each head of ``model`` attends on ``tokens`` (BOS is added if missing).

    ``layers`` picks layers; heads that compute nothing are left out unless ``show_unused``;
    ``annotate`` writes the weights in the cells. Written to ``path`` (.png/.svg) if given.
    """
    toks, out = run(model, tokens, path)
    panels = head_panels(model, layers, show_unused)
    if not panels:
        fig = new_figure(4.0, 1.0)
        fig.text(0.5, 0.5, "no attention head computes anything here", ha="center")
        save(fig, path)
        return fig
    ncols = min(_MAX_COLUMNS, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    side = max(2.4, 0.35 * len(toks) + 1.0)
    fig = new_figure(ncols * (side + 0.6), nrows * (side + 0.9))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    labels = token_labels(toks)
    for ax, panel in zip(axes, panels, strict=False):
        image = _draw_head(ax, out.attn_patterns[panel.layer][0, panel.head], labels, annotate)
        ax.set_label(panel.name)
        plain_title(ax, panel.title, fontsize=8)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.colorbar(image, ax=list(axes[: len(panels)]), shrink=0.6)
    save(fig, path)
    return fig
