"""The differential test over the whole example library: model == evaluator everywhere.

Exhaustive over every input up to length 4 for a small vocabulary, then random inputs at
max_seq_len 16 and 32; padded to max_seq_len and unpadded; numbers within 1e-5.
"""

import pytest

from tracr.compiler import compiling, lib_catalog, verifying


def _check(report: verifying.Report) -> None:
    assert report.checked > 0
    shown = "\n".join(str(m) for m in report.mismatches[:5])
    assert report.ok, f"{len(report.mismatches)} mismatches, e.g.\n{shown}"


@pytest.mark.parametrize("name", lib_catalog.NAMES)
def test_exhaustive_small(name):
    vocab_size = 3 if name not in ("shuffle_dyck2", "detect_pattern") else 4
    case = lib_catalog.build(name, vocab_size=vocab_size, max_seq_len=4)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len)
    inputs = list(verifying.all_inputs(case.vocab, case.max_len_in_domain()))
    _check(verifying.compare(model, case.program, inputs))
    _check(verifying.compare(model, case.program, inputs, pad_to_max=True))


@pytest.mark.parametrize("max_seq_len", [16, 32])
@pytest.mark.parametrize("name", lib_catalog.NAMES)
def test_random_long(name, max_seq_len):
    case = lib_catalog.build(name, vocab_size=5, max_seq_len=max_seq_len)
    model = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len)
    inputs = case.random_inputs(60, seed=max_seq_len)
    _check(verifying.compare(model, case.program, inputs))
    _check(verifying.compare(model, case.program, inputs[:20], pad_to_max=True))
