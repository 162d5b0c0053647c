"""Regressions found by the 10,000-program fuzz run after the economy, hardening and Weiss
branches met: each compiles exactly or is refused, never wrong, never a crash."""

from __future__ import annotations

import itertools

import pytest

from tracr.compiler import compiling, verifying
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp


def _exact(program, vocab, n):
    model = compiling.compile_rasp_to_model(program, vocab, n)
    inputs = [list(x) for m in range(1, n + 1) for x in itertools.product(sorted(vocab), repeat=m)]
    report = verifying.compare(model, program, inputs)
    assert report.mismatches == [], report.mismatches[:3]


@pytest.mark.parametrize("facs", [(0, 1), (1, 1), (2, -1)])
def test_categorical_linear_sequence_map_of_numbers_is_a_table(facs):
    """LinearSequenceMap of numerical SOps with a categorical result: a table of the pairs,
    not the numerical ± MLP (which wrote a number into a one-hot space: None decoded)."""
    x = rasp.numerical(rasp.Map(lambda t: t * 0.5 - 1, rasp.indices))
    y = rasp.numerical(rasp.Map(lambda t: t - 3, rasp.tokens))
    _exact(rasp.LinearSequenceMap(x, y, *facs), {3, 4}, 3)


def test_a_numerical_pair_input_without_values_is_refused():
    x = rasp.numerical(rasp.Map(lambda t: 1 - t, rasp.tokens))  # raises on every "b"
    program = rasp.numerical(rasp.SequenceMap(lambda a, b: a * b % 5, x, rasp.indices))
    with pytest.warns(Warning), pytest.raises(UnsupportedExprError, match="takes no value"):
        compiling.compile_rasp_to_model(program, {"b"}, 3)


def test_a_count_read_by_a_map_with_a_huge_span_is_not_fused():
    """1e16 and 1.0 in one staircase lost the 1.0 (silently). Unfused, the lookup reads the
    count's computed one-hot, whose rounding 1e16 would magnify: refused, naming the bound."""
    width = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ))
    program = rasp.numerical(rasp.Map(lambda w: 1e16 if w > 1 else 1.0, width))
    with pytest.raises(UnsupportedExprError, match=r"magnitudes up to 1e\+16"):
        compiling.compile_rasp_to_model(program, {0, 2}, 4)
    moderate = rasp.numerical(rasp.Map(lambda w: 1e3 if w > 1 else 1.0, width))
    _exact(moderate, {0, 2}, 4)


def test_a_table_of_computed_one_hots_with_huge_outputs_is_refused():
    """Fuzz 7304: 3 t + 2 b over a computed bool b and tokens near 2**53 read b's rounding
    times 2.7e16 (off by 12); the tokens' own one-hots are exact, so a table of them is not."""
    same = rasp.SequenceMap(lambda x, y: x == y, rasp.length, rasp.length)
    vocab = {-10**12, 10**6, 2**53 + 1}
    with pytest.raises(UnsupportedExprError, match=r"magnitudes up to 2\.7e\+16"):
        compiling.compile_rasp_to_model(
            rasp.numerical(rasp.LinearSequenceMap(rasp.tokens, same, 3, 2)), vocab, 3)
    _exact(rasp.numerical(rasp.Map(lambda t: 3 * t + 2, rasp.tokens)), vocab, 2)


def test_a_default_0_beside_a_mean_0_0_is_kept_apart():
    sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1)
    mean = rasp.numerical(rasp.Aggregate(
        sel, rasp.numerical(rasp.Map(lambda x: x / 10, rasp.length)), default=0))
    with pytest.raises(UnsupportedExprError, match="0 \\(int\\)"):
        compiling.compile_rasp_to_model(rasp.Map(abs, mean), {-1}, 1)


def test_numerical_bools_compare_as_numbers():
    program = rasp.numerical(rasp.Map(lambda t: t > 2, rasp.tokens))
    _exact(program, {1, 3}, 3)
