"""An interactive, offline HTML page that runs a compiled model in the browser.

The page is one file: the model's weights (float64, base64) and its labels, layout and
encoders as JSON, the stylesheet ``page.css`` and the script ``page.js`` (package data, not
Python strings) inlined. It loads nothing from the network. In the page a user types or picks
tokens and sees the decoded output, the residual stream after every sublayer as a labelled heat
map, each head's attention pattern titled with the RASP expression it computes, and the program
graph with each node's layer; hovering a cell shows its exact value.

``page.js`` runs the same forward pass as ``tracr.model.forward`` (masking PAD keys, causal
masks, the softmax shifted by its row maximum), in float64, so the page shows what
``model.apply`` computes. No matplotlib is needed.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tracr.model.model import CompiledModel
from tracr.model.text import allocation_text, program_text
from tracr.viz._common import VizError

# Models with more parameters are not embedded: the browser holds them as float64 and runs
# the forward pass on every input (5e6 parameters are 40 MB of memory there).
DEFAULT_MAX_PARAMS = 5_000_000


def count_params(model: CompiledModel) -> int:
    """Every number the page embeds: the parameters and the unembedding."""
    params = sum(a.size for p in model.params.values() for a in p.values())
    return int(params + model.unembedding.size)


def check_size(model: CompiledModel, max_params: int = DEFAULT_MAX_PARAMS) -> int:
    """The model's parameter count, or a ``VizError`` when it is above ``max_params``."""
    n = count_params(model)
    if n > max_params:
        raise VizError(
            f"the model has {n:,} parameters, above the interactive page's limit of "
            f"{max_params:,}; pass max_params={n} (tracr report --max-params {n}) to embed "
            "it anyway, or write the static report"
        )
    return n


def _b64(a: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def _array(a: np.ndarray) -> dict:
    """Float64, base64: dense, or as (flat index, value) pairs when mostly zero (compiled
    weights usually are), which keeps the page several times smaller."""
    flat = np.asarray(a, dtype=np.float64).ravel()
    nonzero = np.flatnonzero(flat)
    if nonzero.size * 12 < flat.size * 8:
        return {"shape": list(a.shape), "index": _b64(nonzero, "<i4"),
                "data": _b64(flat[nonzero], "<f8")}
    return {"shape": list(a.shape), "data": _b64(flat, "<f8")}


def _token(tok: Any) -> dict:
    return {"text": str(tok), "repr": repr(tok)}


def _groups(labels: Sequence[str]) -> list[list]:
    """[name, start, stop] for each run of residual labels of one SOp."""
    groups: list[list] = []
    for i, lab in enumerate(labels):
        name = lab.split(":", 1)[0]
        if groups and groups[-1][0] == name:
            groups[-1][2] = i + 1
        else:
            groups.append([name, i, i + 1])
    return groups


def _output(model: CompiledModel) -> dict:
    values = getattr(model.output_encoder, "values", None)
    if values is None:
        return {"kind": "numerical"}
    return {"kind": "categorical", "values": [_token(v) for v in values]}


def page_data(model: CompiledModel, tokens: Sequence | None = None) -> dict:
    """Everything ``page.js`` reads, as JSON-ready data (weights as base64 float64)."""
    enc = model.input_encoder
    cfg = model.model_config
    initial = [t for t in (tokens or []) if t != enc.bos_token]
    if not initial:
        initial = sorted(enc.vocab, key=repr)[: min(3, cfg.max_seq_len)]
    return {
        "config": cfg.to_dict(),
        "labels": list(model.residual_labels),
        "groups": _groups(model.residual_labels),
        "tokens": [dict(_token(t), id=i) for t, i in enc.encoding_map.items()],
        "bos": _token(enc.bos_token) | {"id": enc.encoding_map[enc.bos_token]},
        "pad": _token(enc.pad_token) | {"id": enc.encoding_map[enc.pad_token]},
        "output": _output(model),
        "output_label": model.layout.output,
        "params": {
            name: {k: _array(v) for k, v in p.items()} for name, p in model.params.items()
        },
        "unembedding": _array(model.unembedding),
        "blocks": [b.to_dict() for b in model.layout.blocks],
        "nodes": [n.to_dict() for n in model.layout.nodes],
        "program_text": program_text(model),
        "allocation_text": allocation_text(model),
        "initial": [str(t) for t in initial],
    }


def _asset(name: str) -> str:
    return resources.files("tracr.viz").joinpath(name).read_text(encoding="utf-8")


def _script_safe(json_text: str) -> str:
    """JSON that cannot end the <script> element it sits in ("<" only occurs in strings)."""
    return json_text.replace("<", "\\u003c")


def interactive_html(
    model: CompiledModel,
    path: str | os.PathLike | None = None,
    *,
    tokens: Sequence | None = None,
    max_params: int = DEFAULT_MAX_PARAMS,
) -> str:
    """Write (to ``path``, if given) and return the interactive page of ``model``.

    ``tokens`` is the input shown when the page opens (BOS optional; default: the first
    vocabulary tokens). Models with more than ``max_params`` numbers raise ``VizError``.
    """
    check_size(model, max_params)
    if tokens:
        model.input_encoder.check([model.input_encoder.bos_token,
                                   *[t for t in tokens if t != model.input_encoder.bos_token]])
    data = json.dumps(page_data(model, tokens), ensure_ascii=True, default=str)
    title = f"tracr: {model.layout.output or 'compiled model'}"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_asset('page.css')}</style>\n"
        "</head>\n<body>\n<noscript>This page runs the model in JavaScript; enable it to see "
        "the model.</noscript>\n"
        f'<script type="application/json" id="tracr-model">{_script_safe(data)}</script>\n'
        f"<script>\n{_asset('page.js')}</script>\n</body>\n</html>\n"
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
