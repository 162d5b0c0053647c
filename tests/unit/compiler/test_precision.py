"""Numbers at the edges: exact means, and refusals where float64 cannot separate values.

Each case is compiled and then either checked against the evaluator on every input (within
the contract ``ATOL + RTOL * |value|``, categorical outputs exactly) or must be refused with a
message naming the expression; a silently wrong model fails the test either way.
"""

from __future__ import annotations

import warnings

import pytest

from tracr.compiler import compiling, verifying
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

C = rasp.Comparison
PREFIX = rasp.Select(rasp.indices, rasp.indices, C.LEQ)
ALL = rasp.Select(rasp.tokens, rasp.tokens, C.TRUE)


def _mean(f, sel=PREFIX) -> rasp.SOp:
    values = rasp.numerical(rasp.Map(f, rasp.tokens))
    return rasp.numerical(rasp.Aggregate(sel, values, default=0))


def _exact_or_refused(program: rasp.SOp, vocab=(0, 1, 2), n: int = 3) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = compiling.compile_rasp_to_model(program, set(vocab), n)
    except UnsupportedExprError as exc:
        assert program.label in str(exc)
        return "refused"
    inputs = list(verifying.all_inputs(set(vocab), n))
    report = verifying.compare(model, program, inputs)
    assert report.checked > 0 and report.ok, report.mismatches[:3]
    return "exact"


# Equality and thresholds on means of fractions with many denominators: all must be exact.
FRACTIONS = [3, 7, 10, 11, 100, 1000, 3**10, 2**20 + 1]


@pytest.mark.parametrize("d", FRACTIONS)
@pytest.mark.parametrize("sel", [PREFIX, ALL], ids=["prefix", "all"])
def test_equality_on_a_mean_of_fractions_is_exact_or_refused(d, sel):
    # Some means differ by one ulp (0.1 and 0.10000000000000002 for tenths): a function that
    # tells them apart cannot be compiled, and must be refused rather than be wrong.
    mean = _mean(lambda x, d=d: x / d, sel)
    outcomes = {_exact_or_refused(rasp.Map(f, mean)) for f in (
        lambda m, d=d: m == 1 / d, lambda m, d=d: m * d == 1, lambda m, d=d: m > 1 / d,
        lambda m, d=d: m >= 2 / (3 * d), lambda m, d=d: round(m * d, 6) == 1)}
    if d in (3, 7):  # every mean of these is an exact float the evaluator computes alike
        assert outcomes == {"exact"}


def test_a_mean_equal_to_one_third_is_recognised_at_length_one():
    mean = _mean(lambda x: x / 3, ALL)
    model = compiling.compile_rasp_to_model(rasp.Map(lambda m: m == 1 / 3, mean), {0, 1, 2}, 1)
    assert model.apply(["compiler_bos", 1]).decoded == ["compiler_bos", True]


@pytest.mark.parametrize("offset", [2**26, 2**30, 1e9, 1e12, 1e15])
@pytest.mark.parametrize("step", [2**-20, 1e-6, 1e-3])
def test_large_offsets_with_small_steps_are_exact_or_refused(offset, step):
    mean = _mean(lambda x, o=offset, s=step: o + x * s)
    _exact_or_refused(rasp.Map(lambda m, o=offset: m > o, mean))
    _exact_or_refused(rasp.Map(lambda m: m, mean))  # a categorical copy of every mean
    _exact_or_refused(mean)


@pytest.mark.parametrize(
    "program",
    [
        rasp.Map(lambda m: m > 2**26, _mean(lambda x: 2**26 + x / 2**20, ALL)),
        _mean(lambda x: 1e9 + x / 10, ALL),
        rasp.numerical(rasp.Map(lambda m: 1.0 if m < 0.5 else 1e16, _mean(lambda x: x))),
        rasp.numerical(rasp.Map(lambda m: [1.0, 1e16, -1e16][round(m)], _mean(lambda x: x))),
    ],
    ids=["threshold_at_2**26", "mean_around_1e9", "outputs_1_and_1e16", "cancelling"],
)
def test_what_float64_cannot_separate_is_refused_naming_the_numbers(program):
    with pytest.raises(UnsupportedExprError, match=f"{program.label}.*float64"):
        compiling.compile_rasp_to_model(program, {0, 1, 2}, 3)


@pytest.mark.parametrize("scale", [1e-300, 1e-30, 1e-8, 1.0, 1e8, 1e100, 1e300])
def test_tiny_and_huge_magnitudes_with_proportional_gaps(scale):
    mean = _mean(lambda x, s=scale: x * s)
    got = _exact_or_refused(rasp.Map(lambda m, s=scale: m > 0.5 * s, mean))
    if 1e-30 <= scale <= 1e100:  # steps of slope ~1/scale fit float64 comfortably
        assert got == "exact"


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 2**1100])
def test_means_of_non_finite_or_unrepresentable_values_are_refused(value):
    program = rasp.Map(lambda m: m > 0, _mean(lambda x, v=value: v if x else 0))
    with pytest.raises(UnsupportedExprError, match=program.label):
        compiling.compile_rasp_to_model(program, {0, 1}, 2)


def test_contract_tolerance_is_absolute_plus_relative():
    assert verifying._same(1e9, 1e9 + 0.5, True, 1e-5, 1e-9)
    assert not verifying._same(1e9, 1e9 + 2, True, 1e-5, 1e-9)
    assert not verifying._same(0.0, 2e-5, True, 1e-5, 1e-9)


@pytest.mark.parametrize("f", [lambda x: 1.0 if x == 0 else 1e16, lambda x: [1.0, 1e16, -1e16][x],
                               lambda x: x * 1e9 + 0.25, lambda x: x * 1e-300])
def test_lookups_of_categorical_inputs_keep_every_magnitude(f):
    # One hidden unit writes each value into an empty slot: exact whatever the span.
    assert _exact_or_refused(rasp.numerical(rasp.Map(f, rasp.tokens))) == "exact"
