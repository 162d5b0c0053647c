"""A self-contained HTML report of a compiled model on one input.

One file, openable offline: inline CSS, pictures embedded (base64 PNG or inline SVG), no
script, no external URL. It shows the input and decoded output, the program (as text and as a
graph), the layer allocation, every residual label, and for each layer the heat maps of the
stream after its attention and MLP sublayers and the patterns of its heads. All text from the
model is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracr.model.model import CompiledModel
from tracr.model.text import allocation_text, program_text
from tracr.viz._common import IMAGE_FORMATS, VizError, run
from tracr.viz.attention import attention_patterns, head_panels
from tracr.viz.graph import program_graph
from tracr.viz.residual import residual_heatmaps, sop_groups

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
h1, h2, h3 { font-weight: 600; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
th { background: #eee; }
.figure { overflow-x: auto; margin: 0.8em 0; }
.figure img, .figure svg { max-width: none; height: auto; }
code { font-size: 0.9em; }
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def figure_html(fig: Figure, image_format: str = "png", alt: str = "") -> str:
    """A figure as HTML: an <img> with a base64 PNG, or the SVG inline."""
    buf = io.BytesIO()
    fig.savefig(buf, format=image_format, dpi=100)
    if image_format == "png":
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        src = f"data:image/png;base64,{data}"
        return f'<div class="figure"><img alt="{_esc(alt)}" src="{src}"></div>'
    svg = buf.getvalue().decode("utf-8")
    return f'<div class="figure">{svg[svg.index("<svg") :]}</div>'


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(model: CompiledModel, toks: list, decoded: list) -> str:
    cfg = model.model_config
    facts = [
        ("layers", cfg.num_layers),
        ("heads per layer", cfg.num_heads),
        ("d_model", cfg.d_model),
        ("key size", cfg.key_size),
        ("MLP hidden size", cfg.mlp_hidden_size),
        ("max_seq_len", cfg.max_seq_len),
        ("causal", cfg.causal),
        ("output", model.layout.output),
    ]
    io_rows = [(i, t, d) for i, (t, d) in enumerate(zip(toks, decoded, strict=False))]
    return (
        _table(["property", "value"], facts)
        + "<h3>Input and decoded output</h3>"
        + _table(["position", "token", "decoded"], io_rows)
    )


def _allocation(model: CompiledModel) -> str:
    rows = []
    for b in model.layout.blocks:
        where = f"head {b.head}" if b.sublayer == "attn" else f"hidden {b.hidden[0]}:{b.hidden[1]}"
        rows.append((f"L{b.layer}", b.sublayer, where, b.label, b.description))
    table = _table(["layer", "sublayer", "unit", "writes", "expression"], rows)
    return f"{table}<pre>{_esc(allocation_text(model))}</pre>"


def _residual_labels(model: CompiledModel) -> str:
    rows = [
        (i, lab, key)
        for key, idx in sop_groups(model.residual_labels)
        for i in idx
        for lab in [model.residual_labels[i]]
    ]
    return _table(["dimension", "label", "SOp"], rows)


def _layer(model: CompiledModel, toks: list, layer: int, fmt: str) -> str:
    blocks = [(b.sublayer, b.label, b.description) for b in model.layout.blocks if b.layer == layer]
    parts = [
        f'<h2 id="layer-{layer}">Layer {layer}</h2>',
        _table(["sublayer", "writes", "expression"], blocks)
        if blocks
        else "<p>This layer computes nothing.</p>",
        f"<h3>Residual stream after L{layer} attn and L{layer} mlp</h3>",
        figure_html(
            residual_heatmaps(model, toks, layers=[layer], embedding=False),
            fmt,
            f"residual stream after layer {layer}",
        ),
    ]
    if head_panels(model, [layer]):
        parts += [
            f"<h3>Attention patterns of layer {layer}</h3>",
            figure_html(
                attention_patterns(model, toks, layers=[layer]),
                fmt,
                f"attention patterns of layer {layer}",
            ),
        ]
    return "\n".join(parts)


def _sections(model: CompiledModel, toks: list, decoded: list, fmt: str) -> list[tuple]:
    """(anchor, title, html) of the sections before the per-layer ones."""
    graph = figure_html(program_graph(model), fmt, "program graph")
    embedding = figure_html(residual_heatmaps(model, toks, layers=[]), fmt, "embedding")
    return [
        ("summary", "Model and input", _summary(model, toks, decoded)),
        ("program", "Program", f"<pre>{_esc(program_text(model))}</pre>{graph}"),
        ("allocation", "Layer allocation", _allocation(model)),
        ("residual", "Residual labels", _residual_labels(model)),
        ("embedding", "Embedding", embedding),
    ]


def report_html(
    model: CompiledModel,
    tokens: Sequence,
    path: str | os.PathLike | None = None,
    *,
    image_format: str = "png",
) -> str:
    """Write (to ``path``, if given) and return an HTML report of ``model`` run on ``tokens``.

    BOS is added to ``tokens`` if missing. ``image_format`` is "png" (base64 images) or
    "svg" (inline, sharper, larger). The page needs no network and no script.
    """
    if image_format not in IMAGE_FORMATS:
        raise VizError(f"image_format must be 'png' or 'svg', not {image_format!r}")
    toks, out = run(model, tokens)
    sections = _sections(model, toks, out.decoded, image_format)
    layers = range(model.model_config.num_layers)
    anchors = [(sid, title) for sid, title, _ in sections]
    anchors += [(f"layer-{i}", f"Layer {i}") for i in layers]
    nav = " | ".join(f'<a href="#{sid}">{_esc(title)}</a>' for sid, title in anchors)
    body = [f"<nav>{nav}</nav>"]
    body += [f'<h2 id="{sid}">{_esc(title)}</h2>\n{content}' for sid, title, content in sections]
    body += [_layer(model, toks, layer, image_format) for layer in layers]
    title = f"tracr report: {model.layout.output} on {' '.join(map(str, toks))}"
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
