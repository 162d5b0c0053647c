"""Residual-stream heat maps show the model's own residuals, labelled and grouped by SOp."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tracr.viz import VizError, residual_heatmaps  # noqa: E402
from tracr.viz.residual import sop_groups  # noqa: E402


def panels(fig):
    return [ax for ax in fig.axes if ax.images]


def texts(labels):
    return [t.get_text() for t in labels]


def test_one_labelled_panel_per_sublayer_holding_the_residuals(case):
    model, out = case.model, case.model.apply(case.tokens)
    fig = residual_heatmaps(model, case.tokens)
    axes = panels(fig)
    n = model.model_config.num_layers
    assert len(axes) == 2 * n + 1
    expected_names = ["embed"] + [f"L{i} {s}" for i in range(n) for s in ("attn", "mlp")]
    assert [ax.get_label() for ax in axes] == expected_names
    streams = [out.input_embeddings] + list(out.residuals)
    assert texts(axes[0].get_yticklabels()) == model.residual_labels  # shared by all panels
    for ax, stream in zip(axes, streams, strict=True):
        assert list(ax.get_yticks()) == list(range(len(model.residual_labels)))
        assert texts(ax.get_xticklabels()) == [str(t) for t in case.tokens]
        np.testing.assert_array_equal(ax.images[0].get_array(), stream[0].T)


@pytest.mark.parametrize("name", ["sort_unique", "pair_balance"])
def test_titles_name_what_each_sublayer_computes(cases, name):
    model = cases[name].model
    axes = panels(residual_heatmaps(model, cases[name].tokens))
    for ax in axes[1:]:
        layer, sub = ax.get_label()[1:].split()
        labels = {b.label for b in model.layout.blocks_in(int(layer), sub)}
        title = ax.get_title().replace("\n", " ")
        assert all(lab in title for lab in labels)
        assert labels or "(nothing)" in title


def test_rows_are_grouped_by_sop_with_separators_and_labels(cases):
    model = cases["sort_unique"].model
    groups = sop_groups(model.residual_labels)
    assert [g for g, _ in groups] == sorted(
        dict.fromkeys(lab.split(":")[0] for lab in model.residual_labels),
        key=[lab.split(":")[0] for lab in model.residual_labels].index,
    )
    assert [i for _, rows in groups for i in rows] == list(range(len(model.residual_labels)))
    axes = panels(residual_heatmaps(model, cases["sort_unique"].tokens))
    assert [t.get_text() for t in axes[-1].texts] == [g for g, _ in groups]
    for ax in axes:
        assert len(ax.lines) == len(groups) - 1  # one separator between neighbouring SOps


def test_only_some_layers_and_sops(cases):
    case = cases["sort_unique"]
    model, out = case.model, case.model.apply(case.tokens)
    label_of = {n.name: n.label for n in model.layout.nodes}  # ids depend on creation order
    target_pos, sort = label_of["target_pos"], label_of["sort"]
    fig = residual_heatmaps(
        model, case.tokens, layers=[1], embedding=False, sops=["sort", target_pos, "one"]
    )
    axes = panels(fig)
    assert [ax.get_label() for ax in axes] == ["L1 attn", "L1 mlp"]
    rows = [
        i
        for i, lab in enumerate(model.residual_labels)
        if lab.split(":")[0] in (sort, target_pos, "one")
    ]
    assert texts(axes[0].get_yticklabels()) == [model.residual_labels[i] for i in rows]
    np.testing.assert_array_equal(axes[0].images[0].get_array(), out.residuals[2][0][:, rows].T)


def test_bos_is_added_when_missing(cases):
    case = cases["reverse"]
    with_bos = panels(residual_heatmaps(case.model, case.tokens))
    without = panels(residual_heatmaps(case.model, case.tokens[1:]))
    for a, b in zip(with_bos, without, strict=True):
        np.testing.assert_array_equal(a.images[0].get_array(), b.images[0].get_array())


def test_annotate_writes_nonzero_values(cases):
    case = cases["frac_prevs"]
    axes = panels(residual_heatmaps(case.model, case.tokens, annotate=True, layers=[]))
    shown = axes[0].images[0].get_array()
    group_labels = len(sop_groups(case.model.residual_labels))
    assert len(axes[0].texts) - group_labels == np.count_nonzero(np.abs(shown) > 1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(sops=["nope"]), "no SOp 'nope' in the residual stream; choose from"),
        (dict(layers=[7]), "no layer 7: this model has layers 0..1"),
        (dict(layers=[], embedding=False), "nothing to draw"),
        (dict(path="picture.jpg"), "give a path ending in .png or .svg"),
    ],
)
def test_bad_options_say_what_to_do(cases, kwargs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    case = cases["sort_unique"]
    with pytest.raises(VizError, match=message.replace(".", r"\.")) as err:
        residual_heatmaps(case.model, case.tokens, **kwargs)
    assert isinstance(err.value, ValueError)
    assert not (tmp_path / "picture.jpg").exists()


def test_writes_png_and_svg(cases, tmp_path):
    case = cases["frac_prevs"]
    residual_heatmaps(case.model, case.tokens, layers=[], path=tmp_path / "r.png")
    residual_heatmaps(case.model, case.tokens, layers=[], path=str(tmp_path / "r.svg"))
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "r.svg").read_text()


def test_tokens_with_dollar_signs_are_literal(tmp_path):
    from tracr.compiler import compiling, lib

    model = compiling.compile_rasp_to_model(lib.make_length(), vocab={"$x$", "a_b"}, max_seq_len=3)
    fig = residual_heatmaps(model, ["$x$", "a_b"], layers=[], path=tmp_path / "d.png")
    assert texts(panels(fig)[0].get_xticklabels()) == ["compiler_bos", "$x$", "a_b"]
