"""The compile-time record of where a model is exact in float32, bfloat16 and float16.

Each model the record calls inexact here is also shown to be wrong when run in that format,
so the check is not vacuous; ``tests/integration/test_float32_differential.py`` and
``python -m bench.fuzz --float32`` check the other direction (recorded exact => exact).
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from tracr.backends.torch import to_torch  # noqa: E402
from tracr.compiler import compiling, lib, verifying  # noqa: E402
from tracr.errors import InexactFormatError  # noqa: E402
from tracr.model import same_value  # noqa: E402
from tracr.model.number_formats import (  # noqa: E402
    BFLOAT16,
    FLOAT16,
    FLOAT32,
    FLOAT64,
    PrecisionRecord,
)
from tracr.rasp import rasp  # noqa: E402


def _refused_in_float32(model, first_problem: str) -> None:
    """Converting to float32 raises, naming the first problem and the way out."""
    with pytest.raises(InexactFormatError) as info:
        to_torch(model, dtype=torch.float32)
    assert first_problem in str(info.value) and "dtype=torch.float64" in str(info.value)


def _float32_wrong(model, program, inputs) -> list:
    """Inputs on which the float32 torch model's output differs from the evaluator's."""
    tmodel = to_torch(model, dtype=torch.float32, allow_inexact=True)
    inputs = [list(xs) for xs in inputs]
    bos = model.input_encoder.bos_token
    decoded = tmodel.apply_batch([[bos, *xs] for xs in inputs]).decoded
    wrong = []
    for xs, got in zip(inputs, decoded, strict=True):
        want = rasp.evaluate(program, xs)
        if not all(same_value(g, w) for g, w in zip(got[1:], want, strict=False)):
            wrong.append((xs, want, got))
    return wrong


def test_every_compiled_model_carries_a_record():
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 5)
    record = model.precision
    assert set(record.problems) == {"float32", "bfloat16", "float16"}
    assert record.is_exact("float32") and record.is_exact("float64")
    assert not record.is_exact("float8")  # a format never checked is not called exact


def test_formats():
    assert FLOAT32.largest_exact_integer == 2**24 and FLOAT16.largest_exact_integer == 2**11
    assert FLOAT16.round(1e6) == math.inf and FLOAT16.max == 65504.0
    assert BFLOAT16.round(1 / 3) == 0.333984375 and BFLOAT16.rounding_of(1.0) == 0.0
    assert FLOAT32.round(0.1) != 0.1 and FLOAT64.round(0.1) == 0.1
    rec = PrecisionRecord({"float32": ("x",), "bfloat16": (), "float16": ()})
    assert PrecisionRecord.from_json(rec.to_json()) == rec


def test_large_numerical_output_is_inexact_and_wrong_in_float32():
    program = rasp.numerical(rasp.Map(lambda t: t * 1e4 + 0.1, rasp.tokens))
    model = compiling.compile_rasp_to_model(program, {1, 2, 3}, 3)
    (first, *_) = model.precision.problems["float32"]
    assert first.startswith("map '") and "the output (magnitudes up to 3e+04)" in first
    assert "1e-05 + 1e-09 * |value|" in first
    assert _float32_wrong(model, program, [[1], [2, 3]])
    _refused_in_float32(model, first)


def test_small_gap_at_large_magnitude_is_inexact_and_wrong_in_float32():
    # 1000 and 1000.00002 are 2e-5 apart; float32 spacing at 1000 is 6e-5.
    value = rasp.numerical(rasp.Map(lambda t: 1000.0 + t * 2e-5, rasp.tokens))
    program = rasp.Map(lambda v: v > 1000.00001, value, simplify=False)
    model = compiling.compile_rasp_to_model(program, {0, 1}, 3)
    (first, *_) = model.precision.problems["float32"]
    assert "a step of its MLP at 1000" in first and "not below the 0.25 it tolerates" in first
    assert _float32_wrong(model, program, verifying.all_inputs({0, 1}, 3))
    _refused_in_float32(model, first)


def test_long_economical_reverse_is_inexact_and_wrong_in_float32():
    program = lib.make_reverse(rasp.tokens)
    model = compiling.compile_rasp_to_model(program, {1, 2}, 300)
    problems = model.precision.problems["float32"]
    assert problems and any(p.startswith("aggregate 'reverse_") for p in problems)
    inputs = verifying.random_inputs({1, 2}, 300, 6, seed=1, min_len=280)
    assert _float32_wrong(model, program, inputs)
    _refused_in_float32(model, problems[0])


def test_short_reverse_is_exact_in_float32_in_both_layouts():
    program = lib.make_reverse(rasp.tokens)
    for layout in ("economical", "reference"):
        model = compiling.compile_rasp_to_model(program, {1, 2, 3}, 6, layout=layout)
        assert model.precision.problems["float32"] == ()
        assert not _float32_wrong(model, program, verifying.all_inputs({1, 2, 3}, 4))


def test_float16_range_is_checked():
    # The numerical EQ scores c (2kq - k^2) pass 65504 long before float16 rounding matters.
    model = compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2}, 64)
    assert any("largest finite value 65504" in p for p in model.precision.problems["float16"])


def test_problems_are_capped_and_counted():
    x = rasp.numerical(rasp.Map(lambda t: t * 1e4 + 0.1, rasp.tokens))
    model = compiling.compile_rasp_to_model(x, {1, 2, 3}, 3)
    for lines in model.precision.problems.values():
        assert len(lines) <= 6
