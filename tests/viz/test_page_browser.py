"""The interactive page in a real browser: what it shows equals ``model.apply``.

Each test loads the page in headless Chromium, types an input, reads the decoded output, every
residual-stream cell and every attention weight from the DOM, and compares them with the numpy
model. Screenshots are kept in ``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tracr.compiler import compiling, lib, lib_catalog
from tracr.rasp import rasp
from tracr.viz import interactive_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TOL = 1e-9  # float64 sums in another order; the values themselves are O(1)


def _model(name: str):
    if name == "reverse":
        return compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2, 3}, 5)
    if name == "frac_prevs_causal":
        return compiling.compile_rasp_to_model(
            lib.make_frac_prevs(rasp.tokens == "x"), {"x", "y"}, 5, causal=True)
    if name == "map_numerical":  # no head in use; negative numbers
        return compiling.compile_rasp_to_model(
            rasp.numerical(rasp.Map(lambda x: 1.5 - x, rasp.tokens)), {1, 2, 3}, 4)
    if name == "shift_by":
        return compiling.compile_rasp_to_model(lib.shift_by(1, rasp.tokens), {"a", "b"}, 4)
    return compiling.compile_rasp_to_model(
        lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3, 4}, 4)


CASES = [
    ("reverse", "3 1 2"),
    ("reverse", "1 2 compiler_pad compiler_pad"),  # padded: PAD keys are masked
    ("frac_prevs_causal", "x y y x x"),             # numerical output, causal mask
    ("shift_by", "a b b"),                          # None at position 1
    ("sort_unique", "4 1 3"),
    ("map_numerical", "1 3 compiler_pad"),
]


def _run_page(page, model, text: str, path: Path) -> None:
    interactive_html(model, path)
    page.goto(path.as_uri())
    page.fill("#tokens", text)
    page.press("#tokens", "Enter")
    assert page.text_content("#error") == ""


def _cells(page, selector: str, keys: list[str]) -> list[list[float]]:
    fields = ", ".join(f"+e.dataset.{k}" for k in keys)
    script = f"els => els.map(e => [{fields}, +e.dataset.value])"
    return page.eval_on_selector_all(selector, script)


IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_page_equals_model_apply(page, tmp_path, name, text):
    model = _model(name)
    toks = [model.input_encoder.bos_token, *[t if t in ("x", "y", "a", "b", "compiler_pad")
                                             else int(t) for t in text.split()]]
    want = model.apply(toks)
    _run_page(page, model, text, tmp_path / "page.html")

    shown = page.eval_on_selector_all("#output td.out", "els => els.map(e => e.dataset.repr)")
    if name in ("frac_prevs_causal", "map_numerical"):
        values = page.eval_on_selector_all("#output td.out", "els => els.map(e => e.dataset.value)")
        numbers = [i for i, t in enumerate(toks) if i and t != "compiler_pad"]
        assert [shown[i] for i in range(len(toks)) if i not in numbers] == [
            repr(want.decoded[i]) for i in range(len(toks)) if i not in numbers]
        np.testing.assert_allclose([float(values[i]) for i in numbers],
                                   [want.decoded[i] for i in numbers], atol=TOL)
    else:
        assert shown == [repr(v) for v in want.decoded]

    streams = np.stack([want.input_embeddings[0], *(r[0] for r in want.residuals)])  # [S, T, D]
    cells = np.array(_cells(page, "#residual td.cell", ["stage", "pos", "row"]))
    assert len(cells) == streams.size
    got = np.full(streams.shape, np.nan)
    got[cells[:, 0].astype(int), cells[:, 1].astype(int), cells[:, 2].astype(int)] = cells[:, 3]
    np.testing.assert_allclose(got, streams, atol=TOL, rtol=0)

    heads = [b for b in model.layout.blocks if b.sublayer == "attn"]
    cells = np.array(_cells(page, ".head td.cell", ["layer", "head", "q", "k"]))
    assert len(cells) == len(heads) * len(toks) ** 2
    for layer, head, q, k, v in cells:
        assert v == pytest.approx(want.attn_patterns[int(layer)][0, int(head), int(q), int(k)],
                                  abs=TOL)


def test_page_shows_heads_graph_and_layers_and_keeps_a_screenshot(page, tmp_path):
    model = _model("sort_unique")
    _run_page(page, model, "4 1 3", tmp_path / "page.html")
    captions = page.eval_on_selector_all(".head-box .caption", "els => els.map(e => e.innerText)")
    for b in (b for b in model.layout.blocks if b.sublayer == "attn"):
        assert any(f"{b.label} = {b.description}" in c for c in captions)
    nodes = page.eval_on_selector_all(
        "#graph g.node", "els => els.map(e => [e.dataset.label, e.dataset.layer])")
    assert sorted(nodes) == sorted(
        [n.label, "" if n.layer is None else str(n.layer)] for n in model.layout.nodes)
    labels = page.eval_on_selector_all("#residual th.label", "els => els.map(e => e.textContent)")
    assert labels[2:] == model.residual_labels  # after the two header cells
    page.hover("#residual td.cell[data-stage='1'][data-row='0'][data-pos='1']")
    hover = page.text_content("#hover")
    assert hover.startswith(f"{model.residual_labels[0]} at 1:4 after L0 attn")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "page_sort_unique.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_picking_tokens_and_a_bad_input(page, tmp_path):
    model = _model("reverse")
    _run_page(page, model, "1", tmp_path / "page.html")
    page.click("button.tok-button[data-repr='3']")
    assert page.input_value("#tokens") == "1 3"
    shown = page.eval_on_selector_all("#output td.out", "els => els.map(e => e.dataset.repr)")
    assert shown == [repr(v) for v in model.apply(["compiler_bos", 1, 3]).decoded]
    page.fill("#tokens", "1 7")
    page.press("#tokens", "Enter")
    assert page.text_content("#error") == (
        "position 2 holds 7, which is not in the vocabulary [1, 2, 3] or PAD ('compiler_pad')")


def test_a_large_model_starts_with_one_stage_and_can_show_all(page, tmp_path):
    case = lib_catalog.build("sort", 10, 32)
    # The reference layout: the economical one is small enough to show at once.
    model = compiling.compile_rasp_to_model(case.program, case.vocab, 32, layout="reference")
    text = " ".join(str(t) for t in case.sample(random.Random(3), 32))
    _run_page(page, model, text, tmp_path / "page.html")
    d, stages = model.model_config.d_model, 1 + 2 * model.model_config.num_layers
    t = 1 + len(text.split())
    assert stages * t * d > 60000  # above the page's MAX_CELLS
    assert page.input_value("#stage") == str(stages - 1)
    cells = np.array(_cells(page, "#residual td.cell", ["stage", "pos", "row"]))
    assert len(cells) == t * d and set(cells[:, 0]) == {stages - 1}
    want = model.apply([model.input_encoder.bos_token, *map(int, text.split())]).residuals[-1][0]
    got = np.zeros_like(want)
    got[cells[:, 1].astype(int), cells[:, 2].astype(int)] = cells[:, 3]
    np.testing.assert_allclose(got, want, atol=TOL, rtol=0)
    page.select_option("#stage", "all")
    assert page.locator("#residual td.cell").count() == stages * t * d
