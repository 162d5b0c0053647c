"""Each examples/*.rasp file compiled, run and verified through the ``tracr`` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracr.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# stem: (vocab, one input, its output)
CASES = {
    "reverse": ("1,2,3", ["1", "2", "3"], "3 2 1"),
    "histogram": ("a,b,c", ["a", "b", "a"], "2 1 2"),
    "sort": ("1,2,4", ["4", "1", "2", "1"], "1 1 2 4"),
    "frac_prevs": ("x,y", ["x", "y", "y", "x"], "1 0.5 0.33333 0.5"),
    "dyck": ("(,)", ["(", ")", ")", "("], "0 1 0 0"),
}


def test_every_example_has_a_case():
    assert sorted(p.stem for p in EXAMPLES.glob("*.rasp")) == sorted(CASES)


@pytest.mark.parametrize("stem", sorted(CASES))
def test_example_compiles_runs_and_verifies(capsys, tmp_path, stem):
    vocab, tokens, expected = CASES[stem]
    source, model = str(EXAMPLES / f"{stem}.rasp"), str(tmp_path / f"{stem}.safetensors")
    assert main(["compile", source, "--vocab", vocab, "--max-seq-len", "4", "-o", model]) == 0
    assert main(["run", model, *tokens]) == 0
    assert main(["verify", source, "--model", model, "--padded"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[4] == expected
    n = sum(len(vocab.split(",")) ** k for k in range(1, 5))
    assert out[-2:] == [f"unpadded: exact on all {n} inputs", f"padded: exact on all {n} inputs"]
