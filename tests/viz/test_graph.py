"""The program graph: every node, placed in the column of the sublayer that computes it."""

from __future__ import annotations

import pytest

Annotation = pytest.importorskip("matplotlib.text").Annotation

from tracr.viz import VizError, program_graph  # noqa: E402
from tracr.viz.graph import graph_columns, is_selector, node_positions, place_of  # noqa: E402


def test_every_node_is_drawn_with_its_place(case):
    model = case.model
    ax = program_graph(model).axes[0]
    arrows = {t.get_gid() for t in ax.texts if isinstance(t, Annotation)}
    boxes = {
        t.get_gid(): t.get_text() for t in ax.texts if t.get_gid() and not isinstance(t, Annotation)
    }
    assert set(boxes) == {n.label for n in model.layout.nodes}
    for n in model.layout.nodes:
        assert boxes[n.label].startswith(n.label)
        assert place_of(n) in boxes[n.label]
    headers = {t.get_text() for t in ax.texts if not t.get_gid()}
    for layer in range(model.model_config.num_layers):
        assert {f"L{layer} attn", f"L{layer} mlp"} <= headers
    assert arrows == {f"{c}->{n.label}" for n in model.layout.nodes for c in n.children}


def test_nodes_are_placed_by_layer_and_sublayer(case):
    model = case.model
    columns = graph_columns(model)
    pos = node_positions(model)
    users = {c: n.label for n in reversed(model.layout.nodes) for c in n.children}
    for n in model.layout.nodes:
        x = pos[n.label][0]
        if is_selector(n):
            assert columns[x].endswith("selectors")
            assert x < pos[users[n.label]][0]
        elif n.layer is None:
            assert columns[x] == "embed"
        else:
            assert columns[x] == f"L{n.layer} {n.sublayer}"
    same_place = {}
    for label, xy in pos.items():
        assert same_place.setdefault(xy, label) == label, "two nodes drawn on top of each other"


def test_writes_svg_and_rejects_other_formats(cases, tmp_path):
    model = cases["frac_prevs"].model
    program_graph(model, path=tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()
    with pytest.raises(VizError, match=r"give a path ending in \.png or \.svg"):
        program_graph(model, path=tmp_path / "g.pdf")
