"""The program graph, laid out by where each expression is computed.

Columns are the stages of the model: the embedding, then for each layer its selectors, its
attention sublayer and its MLP sublayer. Every SOp sits in the column of the sublayer that
computes it; a selector has no place of its own (it lives inside the heads that use it), so it
sits in the selector column of the layer of its first user. Arrows go from each child to the
expression that uses it. Drawn with matplotlib alone, so no graphviz is needed.
"""

from __future__ import annotations

import os
import textwrap
from typing import TYPE_CHECKING

from tracr.model.layout import Layout, NodeInfo
from tracr.model.model import CompiledModel
from tracr.viz._common import image_format_of, new_figure, save

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

_COLORS = {"embed": "#e0e0e0", "attn": "#fdd9a0", "mlp": "#b9e4b0", "selector": "#ffffff"}


def is_selector(node: NodeInfo) -> bool:
    return node.encoding is None


def column_of(layer: int | None, sublayer: str | None) -> int:
    """0 for the embedding; each layer has three columns: selectors, attention, MLP."""
    if layer is None:
        return 0
    return 1 + 3 * layer + {"select": 0, "attn": 1, "mlp": 2}[sublayer or "select"]


def column_name(column: int) -> str:
    if column == 0:
        return "embed"
    layer, slot = divmod(column - 1, 3)
    return f"L{layer} " + ("selectors", "attn", "mlp")[slot]


def place_of(node: NodeInfo) -> str:
    """Where a node is computed, as the graph and the report show it."""
    if is_selector(node):
        return "selector (inside its heads)"
    return "embed" if node.layer is None else f"L{node.layer} {node.sublayer}"


def _columns(layout: Layout) -> dict[str, int]:
    """The column of every node; a selector goes before the heads of its first user's layer."""
    users: dict[str, list[str]] = {}
    for n in layout.nodes:
        for child in dict.fromkeys(n.children):
            users.setdefault(child, []).append(n.label)
    layer_of: dict[str, int] = {}
    for n in reversed(layout.nodes):  # users before the selectors they use
        if n.layer is not None:
            layer_of[n.label] = n.layer
        elif is_selector(n):
            placed = [layer_of[u] for u in users.get(n.label, []) if u in layer_of]
            layer_of[n.label] = min(placed, default=0)
    return {
        n.label: column_of(layer_of.get(n.label), "select" if is_selector(n) else n.sublayer)
        for n in layout.nodes
    }


def _mean_y(labels: tuple[str, ...], pos: dict[str, tuple[float, float]]) -> float:
    ys = [pos[c][1] for c in labels if c in pos]
    return sum(ys) / len(ys) if ys else 0.0


def _grid(model: CompiledModel) -> tuple[list[int], dict[str, tuple[float, float]]]:
    """The columns drawn (every embed/attn/mlp column, selector columns only where used) and
    each node's (x, y): x is its column's rank; in a column, nodes are ordered by the mean y
    of their children, which keeps most arrows short and uncrossed."""
    layout = model.layout
    cols = _columns(layout)
    kept = [
        c
        for c in range(1 + 3 * model.model_config.num_layers)
        if not column_name(c).endswith("selectors") or c in cols.values()
    ]
    children = {n.label: n.children for n in layout.nodes}
    pos: dict[str, tuple[float, float]] = {}
    for x, col in enumerate(kept):
        members = [n.label for n in layout.nodes if cols[n.label] == col]
        members.sort(key=lambda label: _mean_y(children[label], pos))
        for i, label in enumerate(members):
            pos[label] = (x, (len(members) - 1) / 2 - i)
    return kept, pos


def graph_columns(model: CompiledModel) -> list[str]:
    """The names of the graph's columns, left to right ("embed", "L0 selectors", "L0 attn"...)."""
    return [column_name(c) for c in _grid(model)[0]]


def node_positions(model: CompiledModel) -> dict[str, tuple[float, float]]:
    """(x, y) of every node of the program graph; x indexes ``graph_columns(model)``."""
    return _grid(model)[1]


def _node_text(node: NodeInfo) -> str:
    lines = [node.label]
    if node.description not in (node.label, node.name):
        lines.append(textwrap.fill(node.description, 30, subsequent_indent="  "))
    enc = ", numerical" if node.encoding == "numerical" else ""
    lines.append(place_of(node) + enc)
    return "\n".join(lines)


def _draw_node(ax: Axes, node: NodeInfo, xy: tuple[float, float], is_output: bool) -> Text:
    kind = "selector" if is_selector(node) else ("embed" if node.layer is None else node.sublayer)
    box = dict(
        boxstyle="round,pad=0.4",
        fc=_COLORS.get(kind, "white"),
        ec="black",
        lw=2.0 if is_output else 0.8,
        ls="--" if kind == "selector" else "-",
    )
    return ax.text(
        *xy,
        _node_text(node),
        ha="center",
        va="center",
        fontsize=7,
        bbox=box,
        parse_math=False,
        gid=node.label,
        zorder=3,
    )


def _draw_columns(ax: Axes, columns: list[int], top: float) -> None:
    """Shade every other layer's band; name every column above it."""
    for x, col in enumerate(columns):
        if col and (col - 1) // 3 % 2 == 0:
            ax.axvspan(x - 0.5, x + 0.5, color="#f4f4f8", zorder=0, lw=0)
        small = column_name(col).endswith("selectors")
        ax.text(
            x,
            top,
            column_name(col),
            ha="center",
            va="bottom",
            fontsize=7 if small else 9,
            fontweight="normal" if small else "bold",
        )


def _draw_edges(ax: Axes, layout: Layout, pos: dict, boxes: dict[str, Text]) -> None:
    """Child -> user arrows; those that skip columns bend, so they pass around the boxes
    between (a straight one would seem to end in whatever box lies on its way)."""
    for n in layout.nodes:
        for child in dict.fromkeys(n.children):
            if child in boxes:
                span = pos[n.label][0] - pos[child][0]
                bend = f"arc3,rad={-0.4 / span if span > 1 else 0.0}"  # bulge: 0.2 column
                ax.annotate(
                    "",
                    xy=pos[n.label],
                    xytext=pos[child],
                    zorder=2,
                    gid=f"{child}->{n.label}",
                    arrowprops=dict(
                        arrowstyle="->",
                        connectionstyle=bend,
                        color="#555555",
                        lw=0.8,
                        patchA=boxes[child].get_bbox_patch(),
                        patchB=boxes[n.label].get_bbox_patch(),
                    ),
                )


def program_graph(model: CompiledModel, *, path: str | os.PathLike | None = None) -> Figure:
    """The program graph of ``model``: each node with its expression, layer and sublayer.

    Nodes are placed by column (see ``graph_columns``), arrows go from children to users, the
    output has a thick border. Written to ``path`` (.png or .svg) when given.
    """
    if path is not None:
        image_format_of(path)
    layout = model.layout
    columns, pos = _grid(model)
    height = max((sum(1 for p in pos.values() if p[0] == x) for x, _ in pos.values()), default=1)
    fig = new_figure(2.4 * len(columns) + 0.5, 1.0 * height + 1.2)
    ax = fig.add_subplot()
    ax.set_axis_off()
    top = (height - 1) / 2 + 0.6
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-top, top + 0.4)
    _draw_columns(ax, columns, top)
    boxes = {
        n.label: _draw_node(ax, n, pos[n.label], n.label == layout.output) for n in layout.nodes
    }
    _draw_edges(ax, layout, pos, boxes)
    save(fig, path)
    return fig
