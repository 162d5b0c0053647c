"""The economical layout: when it picks a cheaper construction, and that the result is exact
(every input, padded and unpadded, causal and not) wherever the reference layout was."""

from __future__ import annotations

import warnings

import pytest

from tracr.compiler import compiling, economy, lib, lib_catalog, verifying
from tracr.errors import CompilerError
from tracr.rasp import rasp

C = rasp.Comparison
VOCAB = {0, 1, 2, 3}


def _numeric_labels(model) -> set[str]:
    return {label for label in model.residual_labels if label.endswith("__squared")}


def _exact_both_layouts(program, vocab=VOCAB, max_seq_len=4, causal=False):
    """Compile both layouts, compare each with the evaluator on every input; return them."""
    inputs = list(verifying.all_inputs(vocab, max_seq_len))
    models = {}
    for layout in economy.LAYOUTS:
        model = compiling.compile_rasp_to_model(program, vocab, max_seq_len, causal=causal,
                                                layout=layout)
        for pad in (False, True):
            report = verifying.compare(model, program, inputs, pad_to_max=pad)
            assert report.checked > 0
            assert report.ok, f"{layout}: " + "\n".join(map(str, report.mismatches[:5]))
        models[layout] = model
    return models


def _params(model) -> int:
    return sum(a.size for p in model.params.values() for a in p.values())


def test_reverse_is_exact_smaller_and_as_deep():
    models = _exact_both_layouts(lib.make_reverse())
    eco, ref = models["economical"], models["reference"]
    assert _numeric_labels(eco) and not _numeric_labels(ref)
    assert eco.model_config.num_layers == ref.model_config.num_layers
    assert _params(eco) < _params(ref)


def test_causal_model_reading_the_previous_position():
    # length - 1 - (length - indices - 1) - 1 = indices - 1: no lookahead, causally exact.
    before = rasp.SequenceMap(lambda n, i: i - 1 + 0 * n, lib.make_length(), rasp.indices)
    program = rasp.Aggregate(rasp.Select(rasp.indices, before, C.EQ), rasp.tokens)
    models = _exact_both_layouts(program, causal=True)
    assert _numeric_labels(models["economical"])


def test_query_values_no_key_holds_read_the_default():
    # length + indices >= length: never an index, so every position reads None.
    beyond = rasp.SequenceMap(lambda n, i: n + i, lib.make_length(), rasp.indices)
    program = rasp.Aggregate(rasp.Select(rasp.indices, beyond, C.EQ), rasp.tokens)
    models = _exact_both_layouts(program)
    assert _numeric_labels(models["economical"])


def test_selector_width_of_a_numerical_eq_selector():
    # How many positions hold the token equal to 3 - index (a Map of one SOp).
    mirror = rasp.Map(lambda i: 3 - i, rasp.indices)
    program = rasp.SelectorWidth(rasp.Select(rasp.tokens, mirror, C.EQ))
    models = _exact_both_layouts(program)
    assert _numeric_labels(models["economical"])


def test_shifted_indices_with_a_negative_coefficient_and_tokens():
    shifted = rasp.SequenceMap(lambda t, i: 2 * i - t + 1, rasp.tokens, rasp.indices)
    program = rasp.Aggregate(rasp.Select(rasp.indices, shifted, C.EQ), rasp.tokens)
    _exact_both_layouts(program)


@pytest.mark.parametrize(
    "query",
    [
        rasp.SequenceMap(lambda n, i: n * i, lib.make_length(), rasp.indices),  # not affine
        rasp.SequenceMap(lambda n, i: (n - i) / 2, lib.make_length(), rasp.indices),  # floats
        rasp.SequenceMap(lambda n, i: n - i if i else None, lib.make_length(), rasp.indices),
    ],
    ids=["product", "floats", "none"],
)
def test_reference_construction_where_numbers_would_not_be_exact(query):
    program = rasp.Aggregate(rasp.Select(rasp.indices, query, C.EQ), rasp.tokens)
    models = _exact_both_layouts(program, max_seq_len=4)
    assert not _numeric_labels(models["economical"])


def test_reference_construction_for_other_readers():
    opp = (lib.make_length() - rasp.indices).named("opp")
    lt = rasp.Aggregate(rasp.Select(rasp.indices, opp, C.LT), rasp.tokens)
    assert not _numeric_labels(compiling.compile_rasp_to_model(lt, VOCAB, 4))
    # the program's output keeps its one-hot decoding
    assert not _numeric_labels(compiling.compile_rasp_to_model(opp, VOCAB, 4))


def test_layout_argument_is_checked():
    with pytest.raises(CompilerError, match="layout must be one of 'economical', 'reference'"):
        compiling.compile_rasp_to_model(lib.make_reverse(), VOCAB, 4, layout="small")


def test_conjunction_of_selects_needs_no_tuple_mlp():
    before = rasp.Select(rasp.indices, rasp.indices, C.LT)
    same = rasp.Select(rasp.tokens, rasp.tokens, C.EQ)
    odd = rasp.Select(rasp.tokens, rasp.indices, lambda k, q: (k + q) % 2 == 1)
    program = rasp.SelectorWidth(before & same & odd)
    models = _exact_both_layouts(program)
    eco, ref = models["economical"], models["reference"]
    assert not any(label.startswith("tuple(") for label in eco.residual_labels)
    assert any(label.startswith("tuple(") for label in ref.residual_labels)
    assert eco.model_config.num_layers < ref.model_config.num_layers


def test_disjunction_keeps_the_tuple_construction():
    either = rasp.Select(rasp.indices, rasp.indices, C.LT) | rasp.Select(rasp.tokens,
                                                                           rasp.tokens, C.EQ)
    models = _exact_both_layouts(rasp.Aggregate(either, rasp.tokens), max_seq_len=4)
    assert any(label.startswith("tuple(") for label in models["economical"].residual_labels)


# --- ranks over lexicographic keys (economy_rewrites) ---------------------------------------


def _rank_program(f, pred=C.LT, keys=rasp.tokens):
    unique = rasp.SequenceMap(f, keys, rasp.indices).named("unique")
    rank = rasp.SelectorWidth(rasp.Select(unique, unique, pred)).named("rank")
    return rasp.Aggregate(rasp.Select(rank, rasp.indices, C.EQ), rasp.tokens).named("sorted")


@pytest.mark.parametrize("pred", [C.LT, C.GT], ids=["LT", "GT"])
def test_sort_rank_is_split_into_two_counts(pred):
    program = _rank_program(lambda k, i: k + i / 5, pred)
    models = _exact_both_layouts(program)
    eco, ref = models["economical"], models["reference"]
    assert not any(label.startswith("unique") for label in eco.residual_labels)
    assert any(label.startswith("rank") and label.endswith("__squared")
               for label in eco.residual_labels)
    assert any("__tied_before:" in label for label in eco.residual_labels)
    assert eco.model_config.num_layers == ref.model_config.num_layers
    assert _params(eco) < _params(ref)


def test_library_sort_freq_is_split_and_exact():
    models = _exact_both_layouts(lib.make_sort_freq(max_seq_len=4), vocab={0, 1, 2})
    assert _params(models["economical"]) < _params(models["reference"])


@pytest.mark.parametrize(
    "f", [lambda k, i: i + k / 10, lambda k, i: k - i / 5], ids=["index-major", "decreasing"]
)
def test_rank_over_other_orders_keeps_the_reference(f):
    models = _exact_both_layouts(_rank_program(f), max_seq_len=4)
    assert any(label.startswith("unique") for label in models["economical"].residual_labels)


def test_rank_read_otherwise_keeps_the_reference():
    unique = rasp.SequenceMap(lambda k, i: k + i / 5, rasp.tokens, rasp.indices).named("u")
    rank = rasp.SelectorWidth(rasp.Select(unique, unique, C.LT)).named("rank")
    model = compiling.compile_rasp_to_model(rank, VOCAB, 4)  # the rank is the output
    assert any(label.startswith("u_") and ":" in label for label in model.residual_labels)


def test_map_of_a_count_is_fused_into_the_count():
    negated = rasp.numerical(rasp.Map(lambda w: -w, lib.make_hist()))
    program = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, C.EQ),
                                            negated, default=0))
    models = _exact_both_layouts(program)
    eco, ref = models["economical"], models["reference"]
    assert not any(label.startswith("hist") and ":" in label for label in eco.residual_labels)
    assert eco.model_config.num_layers < ref.model_config.num_layers


def test_count_read_twice_is_not_fused():
    hist = lib.make_hist()
    program = rasp.SequenceMap(lambda a, b: a + b, rasp.Map(lambda w: w % 2, hist), hist)
    models = _exact_both_layouts(program)
    labels = models["economical"].residual_labels
    assert any(label.startswith("hist") and ":" in label for label in labels)


@pytest.mark.parametrize(("first", "split"), [(C.LT, True), (C.LEQ, False)], ids=["LT", "LEQ"])
def test_count_of_an_or_is_split_only_when_its_parts_are_disjoint(first, split):
    # LT | (EQ & indices LT) is the paper's rank; LEQ overlaps EQ, so its count is not a sum.
    either = rasp.Select(rasp.tokens, rasp.tokens, first) | (
        rasp.Select(rasp.tokens, rasp.tokens, C.EQ) & rasp.Select(rasp.indices, rasp.indices,
                                                                  C.LT))
    rank = rasp.SelectorWidth(either).named("rank")
    program = rasp.Aggregate(rasp.Select(rank, rasp.indices, C.EQ), rasp.tokens)
    models = _exact_both_layouts(program)
    labels = models["economical"].residual_labels
    assert any("__tied_before:" in label for label in labels) == split


def test_rank_split_is_kept_only_where_smaller():
    # vocab 3 x length 4: two heads per layer cost more than the 12-value one-hot they save.
    models = _exact_both_layouts(_rank_program(lambda k, i: k + i / 5), vocab={0, 1, 2})
    eco, ref = models["economical"], models["reference"]
    assert not any("__tied_before:" in label for label in eco.residual_labels)
    assert _params(eco) == _params(ref)


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (3, 4)], ids=str)
def test_economical_is_never_bigger_on_small_library_programs(size):
    v, n = size
    for name in (*lib_catalog.NAMES, *lib_catalog.PAPER_NAMES):
        case = lib_catalog.build(name, v, n)
        shapes = {}
        for layout in economy.LAYOUTS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = compiling.compile_rasp_to_model(case.program, case.vocab, n,
                                                        layout=layout)
            shapes[layout] = (model.model_config.num_layers, _params(model))
        assert shapes["economical"][0] <= shapes["reference"][0], name
        assert shapes["economical"][1] <= shapes["reference"][1], name


def test_size_guard_measures_the_layout_being_built():
    # reverse at 128: the reference needs 55M parameters, the economical layout 0.56M.
    program = lib.make_reverse()
    vocab = set(range(16))
    with pytest.raises(CompilerError, match="max_params=1,000,000"):
        compiling.compile_rasp_to_model(program, vocab, 128, layout="reference",
                                        max_params=1_000_000)
    model = compiling.compile_rasp_to_model(program, vocab, 128, max_params=1_000_000)
    assert _params(model) < 1_000_000
    with pytest.raises(CompilerError, match=r"would have [\d,]+ parameters .*max_params=100,000"):
        compiling.compile_rasp_to_model(program, vocab, 128, max_params=100_000)
