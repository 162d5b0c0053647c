"""The interactive page as a file: self-contained, exact weights, escaped, size-guarded."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

from tracr.compiler import compiling, lib
from tracr.errors import ModelInputError
from tracr.viz import VizError, interactive_html
from tracr.viz.page import DEFAULT_MAX_PARAMS, count_params

DATA = re.compile(r'<script type="application/json" id="tracr-model">(.*?)</script>', re.S)


def _data(page: str) -> dict:
    return json.loads(DATA.search(page).group(1))


def _array_back(spec: dict) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(spec["data"]), dtype="<f8")
    if "index" not in spec:
        return values.reshape(spec["shape"])
    out = np.zeros(int(np.prod(spec["shape"])))
    out[np.frombuffer(base64.b64decode(spec["index"]), dtype="<i4")] = values
    return out.reshape(spec["shape"])


def test_the_page_embeds_the_exact_weights_and_loads_nothing(cases, tmp_path):
    model = cases["reverse"].model
    page = interactive_html(model, tmp_path / "p.html")
    assert (tmp_path / "p.html").read_text(encoding="utf-8") == page
    data = _data(page)
    for name, p in model.params.items():
        for k, a in p.items():
            np.testing.assert_array_equal(_array_back(data["params"][name][k]), a)
    np.testing.assert_array_equal(_array_back(data["unembedding"]), model.unembedding)
    assert data["labels"] == model.residual_labels
    assert all("index" in a for a in data["params"]["token_embed"].values())  # mostly zero
    assert not re.search(r"(src|href)\s*=|<link|@import|url\((?!#)|https?:", page)
    assert page.count("<script") == 2 and page.count("</script>") == 2


def test_dense_and_sparse_arrays_round_trip():
    from tracr.viz.page import _array

    dense = np.arange(1.0, 7.0).reshape(2, 3)
    sparse = np.zeros((4, 5))
    sparse[1, 2], sparse[3, 4] = 0.1, -2.5
    assert "index" not in _array(dense) and "index" in _array(sparse)
    for a in (dense, sparse, np.zeros(3)):
        np.testing.assert_array_equal(_array_back(_array(a)), a)


def test_text_from_the_model_cannot_end_the_script():
    model = compiling.compile_rasp_to_model(lib.make_length(), {"</script>", "<!--"}, 3)
    page = interactive_html(model, tokens=["</script>"])
    assert page.count("</script>") == 2
    data = _data(page)
    assert {t["text"] for t in data["tokens"]} >= {"</script>", "<!--"}
    assert data["initial"] == ["</script>"]


def test_the_first_input_defaults_to_vocabulary_tokens(cases):
    model = cases["reverse"].model
    for tokens in (None, [], [model.input_encoder.bos_token]):
        assert _data(interactive_html(model, tokens=tokens))["initial"] == ["1", "2", "3"]


def test_tokens_keep_their_types():
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, "1"}, 3)
    reprs = {t["repr"] for t in _data(interactive_html(model))["tokens"]}
    assert {"1", "'1'"} <= reprs


def test_a_bad_initial_input_is_refused(cases):
    with pytest.raises(ModelInputError, match="position 1 holds 9, which is not in the vocab"):
        interactive_html(cases["reverse"].model, tokens=[9])


def test_size_guard_names_the_size_and_the_limit(cases):
    model = cases["reverse"].model
    n = count_params(model)
    weights = sum(a.size for p in model.params.values() for a in p.values())
    assert n == weights + model.unembedding.size
    want = rf"has {n:,} parameters, above the interactive page's limit of 100; pass max_params={n}"
    with pytest.raises(VizError, match=want):
        interactive_html(model, max_params=100)
    assert interactive_html(model, max_params=n)  # at the limit is fine
    assert DEFAULT_MAX_PARAMS >= 1_000_000
