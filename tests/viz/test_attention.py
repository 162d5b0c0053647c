"""Attention pictures: one panel per head, the model's own pattern, titled with its expression."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tracr.compiler import compiling  # noqa: E402
from tracr.rasp import rasp  # noqa: E402
from tracr.viz import VizError, attention_patterns  # noqa: E402


def panels(fig):
    return [ax for ax in fig.axes if ax.images and ax.get_visible()]


def test_each_head_shows_its_pattern_and_expression(case):
    model, out = case.model, case.model.apply(case.tokens)
    heads = [b for b in model.layout.blocks if b.sublayer == "attn"]
    axes = panels(attention_patterns(case.model, case.tokens))
    assert [ax.get_label() for ax in axes] == [f"L{b.layer} H{b.head}" for b in heads]
    tokens = [str(t) for t in case.tokens]
    for ax, block in zip(axes, heads, strict=True):
        assert block.label in ax.get_title() and block.description in ax.get_title()
        np.testing.assert_array_equal(
            ax.images[0].get_array(), out.attn_patterns[block.layer][0, block.head]
        )
        assert [t.get_text() for t in ax.get_xticklabels()] == tokens
        assert [t.get_text() for t in ax.get_yticklabels()] == tokens


def test_unused_heads_on_request(cases):
    case = cases["pair_balance"]  # layer 0 computes only MLPs: both its heads are unused
    cfg = case.model.model_config
    axes = panels(attention_patterns(case.model, case.tokens, show_unused=True))
    assert len(axes) == cfg.num_layers * cfg.num_heads
    assert [ax.get_title() for ax in axes[:2]] == ["L0 H0\n(unused)", "L0 H1\n(unused)"]
    only_l1 = panels(attention_patterns(case.model, case.tokens, layers=[1]))
    assert [ax.get_label() for ax in only_l1] == ["L1 H0", "L1 H1"]


def test_annotations_are_the_weights(cases):
    case = cases["sort_unique"]
    ax = panels(attention_patterns(case.model, case.tokens, layers=[1]))[0]
    shown = {f"{w:.2f}" for w in np.ravel(ax.images[0].get_array()) if w > 0.005}
    assert {t.get_text() for t in ax.texts} == shown


def test_a_program_without_heads_says_so(tmp_path):
    model = compiling.compile_rasp_to_model(rasp.Map(lambda x: x + 1, rasp.tokens), {1, 2}, 3)
    fig = attention_patterns(model, [1, 2], path=tmp_path / "a.svg")
    assert "no attention head" in fig.texts[0].get_text()
    assert (tmp_path / "a.svg").exists()


def test_bad_layer(cases):
    with pytest.raises(VizError, match=r"no layer -1: this model has layers 0\.\.1"):
        attention_patterns(cases["sort_unique"].model, [1, 2], layers=[-1])
