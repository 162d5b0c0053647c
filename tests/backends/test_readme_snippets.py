"""The three lines per backend in tracr/export/README.md run as written."""

from __future__ import annotations

import linecache
import pathlib
import re

import pytest

from tracr.compiler import compiling, lib
from tracr.rasp import rasp

README = pathlib.Path(__file__).resolve().parents[2] / "tracr" / "export" / "README.md"
SNIPPETS = re.findall(r"\*\*([^*]+)\*\* \(.*?```python\n(.*?)```", README.read_text(), re.S)
NEEDS = {"PyTorch": "torch", "TransformerLens": "transformer_lens", "JAX / Haiku": "haiku",
         "nnsight": "nnsight", "safetensors": "numpy"}  # fmt: skip


@pytest.mark.parametrize(("title", "code"), SNIPPETS, ids=[t for t, _ in SNIPPETS])
def test_snippet_runs(title, code, tmp_path, monkeypatch):
    pytest.importorskip(NEEDS[title])
    torch = pytest.importorskip("torch")
    from tracr.backends.torch import to_torch

    monkeypatch.chdir(tmp_path)
    model = compiling.compile_rasp_to_model(
        lib.make_reverse(rasp.tokens), vocab={1, 2, 3}, max_seq_len=5, compiler_bos="BOS"
    )
    ids = torch.tensor([model.input_encoder.encode(["BOS", 1, 2, 3])])
    scope = {"model": model, "ids": ids, "to_torch": to_torch}
    filename = f"<README {title}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # nnsight
    exec(compile(code, filename, "exec"), scope)
    if "tmodel" in scope and title == "PyTorch":
        assert scope["tmodel"].apply(["BOS", 1, 2, 3]).decoded == ["BOS", 3, 2, 1]
    if title == "safetensors":
        assert scope["model"].apply(["BOS", 1, 2, 3]).decoded == ["BOS", 3, 2, 1]


def test_every_backend_has_a_snippet():
    assert [t for t, _ in SNIPPETS] == list(NEEDS)
