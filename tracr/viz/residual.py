"""Residual-stream heat maps: what every labelled dimension holds at every position.

One panel per sublayer (and one for the embedding): rows are residual dimensions, grouped by
the SOp they belong to (the part of the label before ``:``), columns are positions labelled
with their tokens. Each panel shows the stream *after* that sublayer, so a block's result
appears in the panel of the sublayer that computes it.
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

import numpy as np

from tracr.model.model import CompiledModel, ModelOutput
from tracr.viz._common import (
    VizError,
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


@dataclasses.dataclass(frozen=True)
class Panel:
    """One heat map: ``name`` like "embed" or "L0 attn", and the stream ``values`` [T, D]."""

    name: str
    title: str
    values: np.ndarray


def sop_groups(labels: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Runs of residual dimensions that belong to one SOp: ``[(sop_label, [row, ...]), ...]``."""
    keyed = [(lab.split(":", 1)[0], i) for i, lab in enumerate(labels)]
    return [(key, [i for _, i in run_]) for key, run_ in groupby(keyed, key=lambda t: t[0])]


def _chosen_groups(model: CompiledModel, sops: Sequence[str] | None) -> list[tuple[str, list[int]]]:
    groups = sop_groups(model.residual_labels)
    if sops is None:
        return groups
    label_of = {n.name: n.label for n in model.layout.nodes}
    wanted = [label_of.get(s, s) for s in sops]
    known = {key for key, _ in groups}
    unknown = [s for s, w in zip(sops, wanted, strict=True) if w not in known]
    if unknown:
        raise VizError(
            f"no SOp {unknown[0]!r} in the residual stream; choose from {', '.join(sorted(known))}"
        )
    return [(key, rows) for key, rows in groups if key in wanted]


def _panel_width(n_pos: int) -> float:
    return max(1.2, 0.3 * n_pos)  # inches


def _written_by(model: CompiledModel, layer: int, sublayer: str, n_pos: int) -> str:
    """What the sublayer computes, wrapped to the panel's width (about 14 characters/inch)."""
    labels = dict.fromkeys(b.label for b in model.layout.blocks_in(layer, sublayer))
    if not labels:
        return "(nothing)"
    width = int(14 * _panel_width(n_pos))
    return textwrap.fill("-> " + ", ".join(labels), width, break_long_words=False)


def residual_panels(
    model: CompiledModel,
    out: ModelOutput,
    layers: Sequence[int] | None = None,
    embedding: bool = True,
) -> list[Panel]:
    """The streams to draw, in order: the embedding, then after each chosen sublayer."""
    panels = [Panel("embed", "embed", out.input_embeddings[0])] if embedding else []
    for layer in check_layers(model, layers):
        for j, sub in enumerate(("attn", "mlp")):
            name = f"L{layer} {sub}"
            title = f"{name}\n{_written_by(model, layer, sub, out.residuals[0].shape[1])}"
            panels.append(Panel(name, title, out.residuals[2 * layer + j][0]))
    if not panels:
        raise VizError("nothing to draw: no layers chosen and embedding=False")
    return panels


def _draw_groups(ax: Axes, groups: list[tuple[str, list[int]]], label: bool) -> None:
    """Lines between SOps; on the last panel, each SOp's label beside its rows."""
    from matplotlib.transforms import blended_transform_factory

    start = 0
    side = blended_transform_factory(ax.transAxes, ax.transData)
    for key, rows in groups:
        if start:
            ax.axhline(start - 0.5, color="black", linewidth=0.8)
        if label:
            ax.text(
                1.04,
                start + (len(rows) - 1) / 2,
                key,
                transform=side,
                va="center",
                ha="left",
                fontsize=8,
                parse_math=False,
            )
        start += len(rows)


def _annotate(ax: Axes, shown: np.ndarray) -> None:
    for (r, c), v in np.ndenumerate(shown):
        if abs(v) > 1e-6:
            ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=6)


def _grid(
    panels: list[Panel], row_labels: list[str], groups: list[str], toks: list[str]
) -> tuple[Figure, list[Axes], Axes]:
    """The figure, one axes per panel (sharing y) and a colorbar axes, laid out by hand.

    Margins come from the longest labels (about 0.06 in per character at 7-8 pt): the
    constrained layout engine would measure every tick label and take twice as long.
    """
    pw, gap, row_h = _panel_width(len(toks)), 0.12, 0.2
    left = 0.2 + 0.06 * max(map(len, row_labels))
    right = 0.3 + 0.068 * max(map(len, groups))
    top = 0.15 + 0.16 * max(p.title.count("\n") + 1 for p in panels)
    bottom = 0.9 + 0.068 * max(map(len, toks))  # rotated tokens, then the colorbar
    body_w, body_h = len(panels) * pw + (len(panels) - 1) * gap, row_h * len(row_labels)
    w, h = left + body_w + right, bottom + body_h + top
    fig = new_figure(w, h, constrained=False)
    axes: list[Axes] = []
    for k in range(len(panels)):
        rect = ((left + k * (pw + gap)) / w, bottom / h, pw / w, body_h / h)
        axes.append(fig.add_axes(rect, sharey=axes[0] if axes else None))
    bar_w = min(4.0, 0.5 * body_w + 1.0)
    cax = fig.add_axes(((left + (body_w - bar_w) / 2) / w, 0.3 / h, bar_w / w, 0.12 / h))
    return fig, axes, cax


def residual_heatmaps(
    model: CompiledModel,
    tokens: Sequence,
    *,
    layers: Sequence[int] | None = None,
    sops: Sequence[str] | None = None,
    embedding: bool = True,
    annotate: bool = False,
    path: str | os.PathLike | None = None,
) -> Figure:
    """Heat maps of the residual stream of ``model`` on ``tokens`` (BOS is added if missing).

    ``layers`` picks layers (both sublayers of each); ``sops`` picks rows by SOp label
    (``sort_11``, ``tokens``, ``one``) or name (``sort``); ``embedding`` adds the embedding
    panel; ``annotate`` writes the non-zero values in the cells. The figure is written to
    ``path`` (.png or .svg) when given. The values drawn are exactly ``model.apply``'s.
    """
    toks, out = run(model, tokens, path)
    panels = residual_panels(model, out, layers, embedding)
    groups = _chosen_groups(model, sops)
    rows = [i for _, idx in groups for i in idx]
    shown = [p.values[:, rows].T for p in panels]  # each [R, T]
    vmax = max(1e-9, max(float(np.abs(s).max()) for s in shown))
    row_labels = [model.residual_labels[i] for i in rows]
    fig, axes, cax = _grid(panels, row_labels, [g for g, _ in groups], token_labels(toks))
    for k, (ax, panel, data) in enumerate(zip(axes, panels, shown, strict=True)):
        image = ax.imshow(
            data, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest"
        )
        ax.set_label(panel.name)
        plain_title(ax, panel.title, fontsize=8)
        set_ticks(ax, "x", token_labels(toks), rotation=90, fontsize=8)
        if k == 0:  # the y ticker is shared: set once, shown on the first panel only
            set_ticks(ax, "y", row_labels, fontsize=7)
        else:
            ax.tick_params(axis="y", labelleft=False)
        _draw_groups(ax, groups, label=k == len(panels) - 1)
        if annotate:
            _annotate(ax, data)
    bar = fig.colorbar(image, cax=cax, orientation="horizontal")
    bar.set_ticks([-vmax, -vmax / 2, 0.0, vmax / 2, vmax])
    save(fig, path)
    return fig
