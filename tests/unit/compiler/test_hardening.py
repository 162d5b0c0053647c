"""Hostile but legal programs and arguments: each is compiled or refused with a TracrError.

Deep chains must not hit Python's recursion limit, composite selectors with many leaves must
be validated in polynomial time, and models too large to build are refused before any weight
is allocated, naming the expression that makes them large.
"""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib, size_guard
from tracr.errors import CompilerError, ModelInputError, UnsupportedExprError
from tracr.rasp import rasp

C = rasp.Comparison


@pytest.mark.parametrize(
    "value",
    [1e17, float("inf"), float("-inf"), float("nan"), 0, -1.0, "10", True, [10], None.__class__],
    ids=repr,
)
def test_bad_mlp_exactness_is_a_compiler_error(value):
    with pytest.raises(CompilerError, match="mlp_exactness must be"):
        compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3, mlp_exactness=value)


@pytest.mark.parametrize("value", [1, 100, 1e6, 1e10])
def test_sane_mlp_exactness_compiles(value):
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3, mlp_exactness=value)
    assert model.apply(["compiler_bos", 1, 2]).decoded[1:] == [2, 2]


@pytest.mark.parametrize("arg", ["compiler_bos", "compiler_pad"])
@pytest.mark.parametrize("value", [[1], {}, {"a": 1}, set()], ids=repr)
def test_unhashable_bos_or_pad_is_a_compiler_error(arg, value):
    with pytest.raises(CompilerError, match=f"{arg} must be hashable"):
        compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3, **{arg: value})


@pytest.mark.parametrize("depth", [300, 1200])
def test_long_chains_of_aggregates_compile(depth):
    x, sel = rasp.tokens, rasp.Select(rasp.indices, rasp.indices, C.EQ)
    for _ in range(depth):
        x = rasp.Aggregate(sel, x)
    model = compiling.compile_rasp_to_model(x, {1, 2}, 2)
    assert model.model_config.num_layers == depth
    assert model.apply(["compiler_bos", 2, 1]).decoded[1:] == [2, 1]


@pytest.mark.parametrize("causal", [False, True])
def test_an_and_chain_of_1200_selects_compiles(causal):
    sel = rasp.Select(rasp.tokens, rasp.tokens, C.EQ)
    for i in range(1200):
        sel = sel & rasp.Select(rasp.indices, rasp.indices, C.LEQ if i % 2 else C.TRUE)
    program = rasp.numerical(rasp.Aggregate(sel, rasp.numerical(rasp.Map(float, rasp.tokens)),
                                            default=0))
    model = compiling.compile_rasp_to_model(program, {1, 2}, 3, causal=causal)
    got = model.apply(["compiler_bos", 1, 2, 1]).decoded[1:]
    assert got == pytest.approx(rasp.evaluate(program, [1, 2, 1]), abs=1e-9)


def _many_leaves(n: int) -> rasp.SOp:
    maybe_none = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, C.LT), rasp.tokens)
    sel = rasp.Select(maybe_none, rasp.tokens, C.EQ)
    for i in range(n - 1):
        leaf = rasp.Select(rasp.indices, rasp.indices, [C.LEQ, C.GEQ, C.NEQ][i % 3])
        sel = (sel | ~leaf) if i % 2 else (sel & leaf)
    return rasp.SelectorWidth(sel)


@pytest.mark.parametrize("leaves", [3, 8, 22, 60])
def test_composites_with_many_leaves_are_judged_quickly(leaves):
    # Validation tried every assignment of the leaves: 22 leaves took over a minute.
    with pytest.raises(UnsupportedExprError, match="can still select"):
        compiling.compile_rasp_to_model(_many_leaves(leaves), {1, 2}, 3)


@pytest.mark.parametrize(
    ("program", "vocab", "n", "culprit"),
    [
        (lib.make_reverse(), set(range(500)), 256, "opp_index"),
        (rasp.tokens, {1, 2}, 1_000_000, "largest part is the position embedding"),
        (rasp.SequenceMap(lambda a, b: (a, b), rasp.indices, rasp.indices), {1}, 3000, "sequence"),
    ],
    ids=["reverse_500x256", "tokens_1e6", "pairs_of_indices"],
)
def test_models_too_large_are_refused_at_once_naming_the_culprit(program, vocab, n, culprit):
    # The reference layout: the economical one builds reverse 500x256 in a few M parameters.
    with pytest.raises(CompilerError, match="at least .* parameters .*max_params=") as info:
        compiling.compile_rasp_to_model(program, vocab, n, layout="reference")
    assert culprit in str(info.value) and "pass a larger max_params" in str(info.value)


def test_max_params_is_a_keyword_that_can_lower_or_lift_the_budget():
    with pytest.raises(CompilerError, match="max_params=1,000"):
        compiling.compile_rasp_to_model(lib.make_reverse(), {1, 2, 3}, 5, max_params=1000)
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3, max_params=None)
    assert model.apply(["compiler_bos", 1]).decoded[1:] == [1]
    for bad in (0, -5, 1.5, "big", True):
        with pytest.raises(CompilerError, match="max_params must be"):
            compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3, max_params=bad)


def test_the_estimate_is_below_the_actual_size_of_library_programs():
    # A lower bound: the guard never refuses what actually fits.
    from tracr.compiler import basis_inference, rasp_to_graph, selectors

    for program, vocab, n in [(lib.make_reverse(), {1, 2, 3}, 8),
                              (lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2}, 6),
                              (lib.make_frac_prevs(rasp.tokens == "("), {"(", ")"}, 5)]:
        graph = selectors.flatten_selectors(rasp_to_graph.trace(program))
        agraph = basis_inference.infer_value_sets(graph, frozenset(vocab), n, False)
        # the estimate is of the reference layout (the economical one sizes itself exactly)
        model = compiling.compile_rasp_to_model(program, vocab, n, layout="reference")
        actual = sum(a.size for arrays in model.params.values() for a in arrays.values())
        assert size_guard.estimate(agraph).params <= actual * 1.5


@pytest.mark.parametrize("layout", ["reference", "economical"])
@pytest.mark.parametrize(
    ("program", "vocab", "n"),
    [(lib.make_reverse(), {1, 2, 3}, 8),
     (lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2}, 6),
     (lib.make_frac_prevs(rasp.tokens == "("), {"(", ")"}, 5)],
    ids=["reverse", "sort_unique", "frac_prevs"],
)
def test_the_guard_checks_the_exact_size_before_assembling(program, vocab, n, layout):
    # The estimate is a lower bound; the exact size, checked before the full-width weights
    # are built, refuses a budget one parameter short and accepts the model's own size.
    model = compiling.compile_rasp_to_model(program, vocab, n, layout=layout)
    actual = sum(a.size for arrays in model.params.values() for a in arrays.values())
    with pytest.raises(CompilerError, match=rf"would have {actual:,} parameters .*"
                                            rf"max_params={actual - 1:,}; the largest part is"):
        compiling.compile_rasp_to_model(program, vocab, n, layout=layout, max_params=actual - 1)
    again = compiling.compile_rasp_to_model(program, vocab, n, layout=layout, max_params=actual)
    assert again.residual_labels == model.residual_labels


@pytest.mark.parametrize("ids", [[99], [-1], ["x"], [None], [1.5]], ids=repr)
def test_decoding_an_unknown_id_is_a_model_input_error(ids):
    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3)
    with pytest.raises(ModelInputError, match="not a token id"):
        model.input_encoder.decode(ids)


@pytest.mark.parametrize(
    "tokens",
    [["compiler_bos", [1]], ["compiler_bos", {1}], ["compiler_bos", 1, (1, [2])]],
    ids=repr,
)
def test_unhashable_tokens_are_a_model_input_error(tokens):
    import numpy as np

    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3)
    with pytest.raises(ModelInputError, match="not in the vocabulary"):
        model.apply(tokens)
    with pytest.raises(ModelInputError, match="holds array"):
        model.apply(["compiler_bos", np.array([1, 2])])
