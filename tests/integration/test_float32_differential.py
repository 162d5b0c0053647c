"""The float32 differential test: every model recorded exact in float32 is exact there.

Every library and paper program, in both layouts, at several vocabularies and lengths, runs
in float32 through the torch backend (exhaustively up to length 4, then random inputs,
padded and not); where ``model.precision`` says float32 is exact, the decoded output must
equal the evaluator's. ``python -m bench.fuzz --float32`` runs the same check on thousands of
random programs; ``tests/unit/compiler/test_low_precision.py`` shows the models it calls
inexact really are wrong.
"""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

from bench.fuzz_programs import Float32Model  # noqa: E402 - the root is on sys.path
from tracr.compiler import compiling, lib_catalog, verifying  # noqa: E402


def _check(f32, case, inputs) -> None:
    for pad in (False, True):
        report = verifying.compare(f32, case.program, inputs, pad_to_max=pad)
        shown = "\n".join(str(m) for m in report.mismatches[:5])
        assert report.ok, f"recorded exact in float32, but wrong there:\n{shown}"


NAMES = lib_catalog.NAMES + lib_catalog.PAPER_NAMES
# (vocab size, max_seq_len, inputs): exhaustive while small, random beyond.
SIZES = [(3, 4, None), (5, 8, 60), (4, 16, 40)]
# The reference layout's dyck2 at max_seq_len 16 (423M parameters) is above the size guard.
CASES = [(n, lay, *size) for n, lay, size in
         itertools.product(NAMES, ("economical", "reference"), SIZES)
         if (n, lay, size[1]) != ("dyck2", "reference", 16)]
recorded_exact: list[str] = []


@pytest.mark.parametrize(("name", "layout", "vocab_size", "max_seq_len", "count"), CASES)
def test_recorded_exact_means_exact_in_float32(name, layout, vocab_size, max_seq_len, count):
    case = lib_catalog.build(name, vocab_size=vocab_size, max_seq_len=max_seq_len)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len,
                                            layout=layout)
    if not model.precision.is_exact("float32"):
        return  # the other direction is tested where the model is known to be wrong
    recorded_exact.append(f"{name}/{layout}/{vocab_size}x{max_seq_len}")
    if count is None:
        inputs = list(verifying.all_inputs(case.vocab, case.max_len_in_domain()))
    else:
        inputs = case.random_inputs(count, seed=max_seq_len)
    _check(Float32Model(model, allow_inexact=False), case, inputs)


def test_the_record_is_not_vacuous():
    """Most library models at these sizes are recorded exact in float32 (so the test above
    checks something); the count is printed by ``pytest -s``."""
    total = len(CASES)
    models = [(n, lay, v, s) for n, lay, v, s, _ in CASES]
    exact = sum(
        compiling.compile_rasp_to_model(
            (c := lib_catalog.build(n, vocab_size=v, max_seq_len=s)).program, c.vocab, s,
            layout=lay).precision.is_exact("float32")
        for n, lay, v, s in models)
    print(f"{exact} of {total} library models recorded exact in float32")
    assert exact >= total // 2
