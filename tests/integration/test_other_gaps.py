"""What the reference refused besides composite selectors (issue 9): rasp.length, constants,
constant keys/queries, and numerical means of arbitrary values."""

import pytest

from tracr.compiler import compiling, verifying
from tracr.compiler.lookahead import LookaheadWarning
from tracr.errors import UnsupportedExprError
from tracr.rasp import rasp

VOCAB = {1, 2, 3}


def _exact(program, vocab=VOCAB, max_seq_len=4, causal=False):
    model = compiling.compile_rasp_to_model(program, vocab, max_seq_len, causal=causal)
    inputs = list(verifying.all_inputs(vocab, max_seq_len))
    for pad in (False, True):
        report = verifying.compare(model, program, inputs, pad_to_max=pad)
        assert report.checked == len(inputs)
        assert report.ok, "\n".join(map(str, report.mismatches[:5]))
    return model


def test_rasp_length_compiles_as_a_selector_width():
    model = _exact(rasp.length)
    assert any(lab.startswith("length:") for lab in model.residual_labels)
    _exact(rasp.length - rasp.indices)


def test_length_in_a_causal_model_counts_the_prefix():
    with pytest.warns(LookaheadWarning, match="length"):
        _exact(rasp.length, causal=True)


def test_full_and_constant_sop():
    _exact(rasp.Full(7) + rasp.tokens)
    _exact(rasp.numerical(rasp.Full(-2.5)))
    _exact(rasp.ConstantSOp([5, 6, 7, 8]) * rasp.tokens)


def test_constant_keys_and_queries():
    twos = rasp.Full(2)
    _exact(rasp.SelectorWidth(rasp.Select(rasp.tokens, twos, rasp.Comparison.EQ)))
    position = rasp.numerical(rasp.Map(lambda i: i + 0.5, rasp.indices))
    below = rasp.Select(twos, rasp.tokens, rasp.Comparison.LT)  # every key, where 2 < token
    _exact(rasp.numerical(rasp.Aggregate(below, position, default=0)))


def test_numerical_mean_of_arbitrary_values_and_a_map_of_it():
    values = rasp.numerical(rasp.Map(lambda t: {1: -1.5, 2: 0.25, 3: 4.0}[t], rasp.tokens))
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    mean = rasp.numerical(rasp.Aggregate(prevs, values, default=0))
    _exact(mean)
    _exact(rasp.numerical(rasp.Map(lambda x: 2 * x - 1, mean)))
    _exact(rasp.Map(lambda x: x > 0.5, mean))


def test_too_many_distinct_means_are_refused_with_the_reason():
    values = rasp.numerical(rasp.Map(lambda t: t * 1.37 + t * t * 0.11, rasp.tokens))
    wide = rasp.numerical(rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), values, default=0))
    many = rasp.Map(lambda x: x > 1, wide).named("needs_all_means")
    with pytest.raises(UnsupportedExprError) as info:
        compiling.compile_rasp_to_model(many, set(range(40)), 64)
    message = str(info.value)
    assert "needs_all_means" in message and "too large" in message
