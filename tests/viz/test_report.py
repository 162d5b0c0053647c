"""The HTML report: well formed, self-contained, escaped, and showing every layer and label."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest

pytest.importorskip("matplotlib")

from tracr.compiler import compiling, lib  # noqa: E402
from tracr.viz import VizError, report_html  # noqa: E402

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
FORBIDDEN = {"script", "link", "iframe", "object", "embed", "base"}


class Page(HTMLParser):
    """Checks that tags balance and collects what a test needs to look at."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags, self.ids = [], [], [], set()
        self.cells, self.text, self.links = [], [], []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.links += [v for k, v in attrs.items() if k in ("src", "href", "xlink:href")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] == "td":
            self.cells.append(data)


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    assert p.errors == [] and p.stack == [], (p.errors, p.stack)
    assert p.doctype == "DOCTYPE html"
    assert p.tags[:3] == ["html", "head", "meta"]
    return p


def check_self_contained(p: Page) -> None:
    assert not FORBIDDEN & set(p.tags)
    assert all(link.startswith(("data:", "#")) for link in p.links), p.links
    assert {link[1:] for link in p.links if link.startswith("#")} <= p.ids  # anchors resolve
    assert "@import" not in "".join(p.text) and "url(http" not in "".join(p.text)


def test_report_shows_every_layer_label_and_the_output(cases, tmp_path):
    case = cases["sort_unique"]
    model = case.model
    page = report_html(model, case.tokens, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    p = parse(page)
    check_self_contained(p)
    n = model.model_config.num_layers
    assert {f"layer-{i}" for i in range(n)} <= p.ids
    text = "".join(p.text)
    for i in range(n):
        assert f"Layer {i}" in text and f"L{i} attn" in text and f"L{i} mlp" in text
    assert set(model.residual_labels) <= set(p.cells)
    assert {b.description for b in model.layout.blocks} <= set(p.cells)
    for tok, value in zip(case.tokens, model.apply(case.tokens).decoded, strict=True):
        assert str(tok) in p.cells and str(value) in p.cells
    assert model.layout.output in text
    images = [link for link in p.links if link.startswith("data:image/png;base64,")]
    assert len(images) == 2 + 2 * n  # graph, embedding, per layer: stream and heads
    assert all(base64.b64decode(i.split(",", 1)[1])[:4] == b"\x89PNG" for i in images)


def test_svg_report_escapes_text_from_the_model():
    model = compiling.compile_rasp_to_model(lib.make_length(), vocab={"<b>", "a&b"}, max_seq_len=3)
    page = report_html(model, ["<b>", "a&b"], image_format="svg")
    p = parse(page)
    check_self_contained(p)
    assert "b" not in p.tags and "<b>" in p.cells and "a&b" in p.cells
    assert "tokens:<b>" in p.cells
    assert p.tags.count("svg") == 4  # graph, embedding, layer 0 stream, layer 0 heads


def test_bad_image_format():
    with pytest.raises(VizError, match="image_format must be 'png' or 'svg', not 'gif'"):
        report_html(None, [], image_format="gif")
