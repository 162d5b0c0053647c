"""``tracr/viz/page.js`` on its own: its pure functions on small hand-worked cases, in Chromium.

The expected values are worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import base64
import struct
from importlib import resources

import pytest

JS = resources.files("tracr.viz").joinpath("page.js").read_text(encoding="utf-8")


@pytest.fixture
def js(page):
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.add_script_tag(content=JS)
    return lambda expr, arg=None: page.evaluate(expr, arg)


def _arr(shape, values):
    return {"shape": shape, "values": values}


# d_model 2, one head of width 2 whose query and key are zero (uniform attention over the keys
# it may see), value and output the identity; the MLP adds relu(x0 - x1) to x0.
TINY = {
    "config": {"num_layers": 1, "num_heads": 1, "key_size": 2, "d_model": 2,
               "mlp_hidden_size": 1, "max_seq_len": 2, "causal": False},
    "params": {
        "token_embed": {"embeddings": _arr([3, 2], [1, 0, 0, 1, 2, 2])},
        "pos_embed": {"embeddings": _arr([3, 2], [0, 0, 0, 0, 0, 0])},
        "transformer/layer_0/attn/query": {"w": _arr([2, 2], [0, 0, 0, 0]), "b": _arr([2], [0, 0])},
        "transformer/layer_0/attn/key": {"w": _arr([2, 2], [0, 0, 0, 0]), "b": _arr([2], [0, 0])},
        "transformer/layer_0/attn/value": {"w": _arr([2, 2], [1, 0, 0, 1]), "b": _arr([2], [0, 0])},
        "transformer/layer_0/attn/linear": {"w": _arr([2, 2], [1, 0, 0, 1]),
                                            "b": _arr([2], [0, 0])},
        "transformer/layer_0/mlp/linear_1": {"w": _arr([2, 1], [1, -1]), "b": _arr([1], [0])},
        "transformer/layer_0/mlp/linear_2": {"w": _arr([1, 2], [1, 0]), "b": _arr([2], [0, 0])},
    },
    "unembedding": _arr([2, 1], [1, 0]),
}
RUN = """([data, causal]) => {
  data.config.causal = causal;
  const r = TracrPage.forward(TracrPage.loadModel(data), [0, 1, 2], [true, true, false]);
  return {x: Array.from(r.transformerOutput), p: Array.from(r.attnPatterns[0][0]),
          u: Array.from(r.unembedded)};
}"""


def test_forward_masks_pad_keys(js):
    # Rows [1,0] [0,1] [2,2]; key 2 is PAD, so every query averages rows 0 and 1: [.5,.5].
    # After attention [1.5,.5] [.5,1.5] [2.5,2.5]; the MLP adds relu(x0-x1) = 1, 0, 0 to x0.
    r = js(RUN, [TINY, False])
    assert r["p"] == [0.5, 0.5, 0, 0.5, 0.5, 0, 0.5, 0.5, 0]
    assert r["x"] == [2.5, 0.5, 0.5, 1.5, 2.5, 2.5]
    assert r["u"] == [2.5, 0.5, 2.5]


def test_forward_causal_masks_later_keys(js):
    # Query 0 sees only key 0: [1,0] + [1,0] = [2,0], then relu(2) = 2 more: [4,0].
    r = js(RUN, [TINY, True])
    assert r["p"] == [1, 0, 0, 0.5, 0.5, 0, 0.5, 0.5, 0]
    assert r["x"] == [4, 0, 0.5, 1.5, 2.5, 2.5]


def test_softmax_shifts_by_the_row_maximum_and_drops_masked_keys(js):
    assert js("TracrPage.softmaxMasked([1000, 1000, -Infinity])") == [0.5, 0.5, 0]
    assert js("TracrPage.softmaxMasked([0, -Infinity, 0, 0])") == pytest.approx(
        [1 / 3, 0, 1 / 3, 1 / 3], abs=1e-16)


def test_dense_and_base64_weights(js):
    data = base64.b64encode(struct.pack("<4d", 1.5, -2.0, 0.25, 4.0)).decode()
    got = js("""(d) => Array.from(TracrPage.dense(new Float64Array([1, 2]), 1,
                TracrPage.decodeArray({shape: [2, 2], data: d}),
                TracrPage.decodeArray({shape: [2], values: [10, 20]})))""", data)
    assert got == [1.5 + 2 * 0.25 + 10, -2.0 + 2 * 4.0 + 20]


def test_sparse_weights_scatter_into_place(js):
    index = base64.b64encode(struct.pack("<2i", 1, 4)).decode()
    data = base64.b64encode(struct.pack("<2d", 7.5, -1.0)).decode()
    got = js("([i, d]) => Array.from(TracrPage.decodeArray({shape: [2, 3], index: i, data: d})"
             ".data)", [index, data])
    assert got == [0, 7.5, 0, 0, -1.0, 0]
    got = js("(s) => Array.from(TracrPage.decodeArray(s).data)",
             {"shape": [3], "index": "", "data": ""})  # all zero: nothing stored
    assert got == [0, 0, 0]


DATA = {
    "config": {"max_seq_len": 3},
    "bos": {"text": "BOS", "repr": "'BOS'", "id": 0},
    "pad": {"text": "PAD", "repr": "'PAD'", "id": 1},
    "tokens": [{"text": "BOS", "repr": "'BOS'", "id": 0}, {"text": "PAD", "repr": "'PAD'", "id": 1},
               {"text": "1", "repr": "1", "id": 2}, {"text": "1", "repr": "'1'", "id": 3}],
}


@pytest.mark.parametrize(("text", "ids"), [
    ("1 '1'", [0, 2, 3]),          # 1 is the int, '1' (typed with quotes) the string
    ("BOS  1 PAD", [0, 2, 1]),     # a leading BOS is dropped, PAD on the right
])
def test_parse_tokens(js, text, ids):
    assert js("([d, t]) => TracrPage.parseTokens(d, t).ids", [DATA, text]) == ids


@pytest.mark.parametrize(("text", "error"), [
    ("2", "position 1 holds 2, which is not in the vocabulary [1, '1'] or PAD ('PAD')"),
    ("PAD 1", "position 2 holds 1 after a PAD token; padding goes on the right"),
    ("1 BOS", "position 2 holds BOS: BOS goes only at position 0"),
    ("1 1 1 1", "4 tokens: this model takes at most 3"),
    ("  ", "type at least one token"),
])
def test_parse_tokens_errors(js, text, error):
    assert js("([d, t]) => TracrPage.parseTokens(d, t).error", [DATA, text]) == error


def test_decode_categorical_none_and_numerical(js):
    data = dict(DATA, unembedding={"shape": [2, 2]},
                output={"kind": "categorical", "values": [{"text": "a", "repr": "'a'"},
                                                          {"text": "b", "repr": "'b'"}]})
    # rows: BOS, b wins, nothing above 0.5 (None), a PAD position
    rows = [9, 9, 0.2, 0.9, 0.4, 0.3, 1, 0]
    got = js("([d, u]) => TracrPage.decode(d, new Float64Array(u), [0, 2, 3, 1]).map(x => x.repr)",
             [data, rows])
    assert got == ["'BOS'", "'b'", "None", "'PAD'"]
    data = dict(DATA, unembedding={"shape": [2, 1]}, output={"kind": "numerical"})
    got = js("([d, u]) => TracrPage.decode(d, new Float64Array(u), [0, 2]).map(x => x.value)",
             [data, [7, -0.125]])
    assert got == [None, -0.125]


def test_graph_columns_put_selectors_before_their_heads(js):
    nodes = [
        {"label": "tokens", "kind": "tokens", "encoding": "categorical", "children": [],
         "layer": None, "sublayer": None},
        {"label": "sel", "kind": "select", "encoding": None, "children": ["tokens", "tokens"],
         "layer": None, "sublayer": None},
        {"label": "agg", "kind": "aggregate", "encoding": "categorical",
         "children": ["sel", "tokens"], "layer": 1, "sublayer": "attn"},
        {"label": "m", "kind": "map", "encoding": "categorical", "children": ["agg"],
         "layer": 1, "sublayer": "mlp"},
    ]
    got = js("(n) => Object.fromEntries(TracrPage.graphColumns(n))", nodes)
    assert got == {"tokens": 0, "sel": 1, "agg": 2, "m": 3}


def test_the_script_can_be_inlined():
    assert "<script" not in JS.lower() and "</script" not in JS.lower() and "http" not in JS
