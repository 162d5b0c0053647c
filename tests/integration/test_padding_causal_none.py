"""Never silently wrong: None, padding and causal models, each against the evaluator.

* None: a categorical Aggregate whose default None is reached decodes as None exactly where
  the evaluator says None, and None flowing into Maps, SequenceMaps, Selects and Aggregates
  behaves as the evaluator says; numerical consumers of None are refused.
* Padding: padded inputs and ragged batches give exactly the unpadded answers, on programs
  that select on indices; padded positions decode to PAD.
* Causal: causal=True models equal ``causal_eval`` on every library program; a program that
  looks ahead compiles with a warning naming the expression.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tracr.compiler import compiling, lib, lib_catalog, verifying
from tracr.compiler.lookahead import LookaheadWarning
from tracr.errors import UnsupportedExprError
from tracr.rasp import causal_eval, rasp

C = rasp.Comparison
VOCAB = {0, 1, 2}
BOS, PAD = "compiler_bos", "compiler_pad"


def _exact(program, vocab=VOCAB, max_seq_len=4, causal=False):
    """Compile and compare on every input, unpadded and padded; return the model."""
    model = compiling.compile_rasp_to_model(program, vocab, max_seq_len, causal=causal)
    inputs = list(verifying.all_inputs(vocab, max_seq_len))
    for pad in (False, True):
        report = verifying.compare(model, program, inputs, pad_to_max=pad)
        assert report.checked > 0
        assert report.ok, "\n".join(map(str, report.mismatches[:5]))
    return model


# None ----------------------------------------------------------------------------------------

SHIFT = lib.shift_by(1, rasp.tokens)  # None at position 0, the previous token elsewhere


def test_aggregate_default_none_decodes_as_none_exactly_where_the_evaluator_says():
    model = _exact(SHIFT)
    for xs in verifying.all_inputs(VOCAB, 4):
        decoded = model.apply([BOS, *xs]).decoded[1:]
        assert decoded == SHIFT(xs)
        assert decoded[0] is None  # never 0, never a real token


def test_none_position_holds_zero_in_the_sops_subspace():
    model = compiling.compile_rasp_to_model(SHIFT, VOCAB, 4)
    out = model.apply([BOS, 2, 1, 0])
    assert np.allclose(out.logits[0, 1], 0.0, atol=1e-6)  # [B, T, n_out] at the None
    assert out.logits[0, 2].max() > 0.99


@pytest.mark.parametrize(
    "make",
    [
        lambda: rasp.Map(lambda x: x + 1, SHIFT),
        lambda: rasp.Map(lambda x: 0 if x is None else x, SHIFT),  # f is never called on None
        lambda: rasp.Map(lambda x: None if x == 1 else x, SHIFT),
        lambda: rasp.Map(lambda x: x * 2, rasp.Map(lambda x: x - 1, SHIFT, simplify=False)),
        lambda: SHIFT + rasp.tokens,
        lambda: rasp.SequenceMap(lambda x, y: (x, y), rasp.indices, SHIFT),
        lambda: SHIFT & (rasp.tokens == 1),
        lambda: rasp.SelectorWidth(rasp.Select(SHIFT, rasp.tokens, C.EQ)),
        lambda: rasp.SelectorWidth(rasp.Select(rasp.tokens, SHIFT, C.LEQ)),
        lambda: rasp.SelectorWidth(rasp.Select(SHIFT, SHIFT, C.TRUE)),  # TRUE ignores None
        lambda: rasp.SelectorWidth(rasp.Select(SHIFT, rasp.tokens, lambda k, q: True)),
        lambda: rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, C.EQ), SHIFT),
        lambda: rasp.Aggregate(rasp.Select(SHIFT, rasp.tokens, C.EQ), rasp.indices),
        lambda: rasp.numerical(rasp.Aggregate(rasp.Select(SHIFT, rasp.tokens, C.EQ),
                                              rasp.numerical(rasp.tokens + 0), default=0)),
        lambda: rasp.SelectorWidth(rasp.Select(SHIFT, rasp.tokens, C.EQ)
                                   & rasp.Select(rasp.indices, rasp.indices, C.LEQ)),
        lambda: lib.shift_by(1, lib.shift_by(1, rasp.tokens)),
        lambda: lib.detect_pattern(rasp.tokens, [0, 1]),
    ],
    ids=["map", "map_not_called_on_none", "map_to_none", "unfused_maps", "sequence_map",
         "tuple", "logical_and", "select_key", "select_query", "select_true", "lambda_true",
         "aggregate_copies_none", "aggregate_selected_by_none", "numerical_mean",
         "composite_and", "shift_twice", "detect_pattern"],
)
def test_none_flows_on_as_the_evaluator_says(make):
    _exact(make())


@pytest.mark.parametrize(
    "make",
    [
        lambda: rasp.numerical(rasp.Map(lambda x: x + 1, SHIFT)),
        lambda: rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, C.EQ),
                                              rasp.numerical(rasp.Map(lambda x: 1, SHIFT)),
                                              default=0)),
        lambda: rasp.SelectorWidth(~rasp.Select(SHIFT, rasp.tokens, C.EQ)),
    ],
    ids=["numerical_map", "numerical_aggregate", "not_of_none"],
)
def test_where_a_none_cannot_be_reproduced_the_program_is_refused(make):
    program = make()
    with pytest.raises(UnsupportedExprError) as info:
        compiling.compile_rasp_to_model(program, VOCAB, 4)
    labels = {e.label for e in rasp.topological_sort(program)}
    assert any(f"'{label}'" in str(info.value) for label in labels)


# Padding -------------------------------------------------------------------------------------

INDEX_PROGRAMS = {
    "width_of_indices": lambda: rasp.SelectorWidth(
        rasp.Select(rasp.indices, rasp.indices, C.TRUE)),
    "length": lib.make_length,
    "reverse": lambda: lib.make_reverse(rasp.tokens),
    "shift_by_1": lambda: lib.shift_by(1, rasp.tokens),
    "shift_by_2": lambda: lib.shift_by(2, rasp.tokens),
    "frac_prevs": lambda: lib.make_frac_prevs(rasp.tokens == 1),
    "later_count": lambda: rasp.SelectorWidth(rasp.Select(rasp.indices, rasp.indices, C.GT)),
    "last_token": lambda: rasp.Aggregate(
        rasp.Select(rasp.indices, lib.make_length() - 1, C.EQ), rasp.tokens),
    "sort": lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1),
}


@pytest.mark.parametrize("name", sorted(INDEX_PROGRAMS))
def test_padded_and_ragged_inputs_give_the_unpadded_answers(name):
    program = INDEX_PROGRAMS[name]()
    model = _exact(program, max_seq_len=5)  # unpadded batches of one length, and padded
    inputs = list(verifying.all_inputs(VOCAB, 3)) + verifying.random_inputs(VOCAB, 5, 30)
    alone = [model.apply([BOS, *xs]).decoded for xs in inputs]
    ragged = model.apply_batch([[BOS, *xs] for xs in inputs]).decoded
    assert ragged == alone
    padded = model.apply_batch([[BOS, *xs] + [PAD] * (5 - len(xs)) for xs in inputs]).decoded
    for xs, row, want in zip(inputs, padded, alone, strict=True):
        assert row[: len(xs) + 1] == want
        assert row[len(xs) + 1 :] == [PAD] * (5 - len(xs))


def test_padded_keys_get_no_attention():
    model = compiling.compile_rasp_to_model(INDEX_PROGRAMS["width_of_indices"](), VOCAB, 5)
    out = model.apply_batch([[BOS, 1, 2, PAD, PAD, PAD]])
    for pattern in out.attn_patterns:  # [B, H, T_query, T_key]
        assert np.allclose(pattern[0, :, :, 3:], 0.0)


# Causal --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", lib_catalog.NAMES)
def test_causal_model_equals_causal_eval_on_the_library(name):
    case = lib_catalog.build(name, vocab_size=3 if name != "shuffle_dyck2" else 4, max_seq_len=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LookaheadWarning)  # asserted separately below
        model = compiling.compile_rasp_to_model(case.program, case.vocab, 4, causal=True)
    assert model.model_config.causal
    inputs = list(verifying.all_inputs(case.vocab, case.max_len_in_domain()))
    for pad in (False, True):
        report = verifying.compare(model, case.program, inputs, pad_to_max=pad)
        assert report.checked > 0
        assert report.ok, "\n".join(map(str, report.mismatches[:5]))


def test_causal_compare_really_uses_the_causal_evaluator():
    reverse = lib.make_reverse(rasp.tokens)
    with pytest.warns(LookaheadWarning):
        model = compiling.compile_rasp_to_model(reverse, {1, 2, 3}, 3, causal=True)
    assert model.apply([BOS, 1, 2, 3]).decoded[1:] == causal_eval.evaluate(reverse, [1, 2, 3])
    assert causal_eval.evaluate(reverse, [1, 2, 3]) != reverse([1, 2, 3])


def test_look_ahead_warning_names_the_expression():
    reverse = lib.make_reverse(rasp.tokens)
    length = next(e for e in rasp.topological_sort(reverse) if e.name == "length")
    with pytest.warns(LookaheadWarning, match=rf"looks ahead.*SelectorWidth '{length.label}'"):
        compiling.compile_rasp_to_model(reverse, {1, 2, 3}, 3, causal=True)


@pytest.mark.parametrize(
    "make",
    [lambda: lib.make_frac_prevs(rasp.tokens == 1), lambda: lib.shift_by(1, rasp.tokens),
     lambda: rasp.tokens + rasp.indices],
    ids=["frac_prevs", "shift_by", "elementwise"],
)
def test_a_program_that_never_looks_ahead_compiles_causal_without_warning(make):
    _exact(make(), causal=True)  # pytest turns any warning into an error
