"""The reference's ``tracr.craft.chamber`` functions (SPEC 2b): blocks built by hand with the
reference's arguments, applied to hand-made residual streams, compute what the arguments say.

Where our default differs (the discretising MLPs' ``large_number``: chosen from the gaps
between known values instead of a fixed 100), an explicit argument is still honoured.
"""

from __future__ import annotations

import numpy as np
import pytest

from tracr.craft import bases
from tracr.craft.chamber import categorical_attn, categorical_mlp, numerical_mlp, selector_width

D = bases.BasisDirection
VS = bases.VectorSpaceWithBasis
BOS_SPACE, ONE_SPACE = VS([D("bos")]), VS([D("one")])
BOS, ONE = D("bos"), D("one")


def stream(rows: list[dict], *spaces: bases.VectorSpaceWithBasis) -> bases.VectorInBasis:
    """Position 0 is BOS (bos = one = 1); each row gives one later position's directions."""
    space = bases.join_vector_spaces(BOS_SPACE, ONE_SPACE, *spaces)
    first = space.make_vector({BOS: 1.0, ONE: 1.0})
    return bases.VectorInBasis.stack([first] + [space.make_vector({ONE: 1.0, **r}) for r in rows])


def one_hots(out: bases.VectorInBasis) -> list:
    """The value of the hot direction per position (None where all zero), checking 0/1."""
    mags = np.round(out.magnitudes, 9)
    assert set(np.unique(mags)) <= {0.0, 1.0}, mags
    return [out.basis_directions[int(r.argmax())].value if r.any() else None for r in mags]


# --- categorical_attn ----------------------------------------------------------------------

QS, KS, VALS = VS.from_values("q", range(3)), VS.from_values("k", range(3)), VS.from_values(
    "v", range(3)
)
OUTS = VS.from_values("o", range(3))
# (query, key, value) at positions 1..3
ROWS = [{D("q", q): 1, D("k", k): 1, D("v", v): 1} for q, k, v in [(0, 1, 2), (1, 0, 0), (2, 2, 1)]]


def test_categorical_attn_copies_the_value_where_the_predicate_holds():
    head = categorical_attn.categorical_attn(
        QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: q.value == k.value
    )
    out = head.apply(stream(ROWS, QS, KS, VALS, OUTS)).project(OUTS)
    # query 0 matches the key 0 at position 2 (value 0); 1 -> position 1 (2); 2 -> position 3 (1)
    assert one_hots(out) == [None, 0, 2, 1]


def test_categorical_attn_on_one_token_space_holding_bos():
    # The reference's usual call: queries, keys and values all read the tokens space, which
    # also holds the BOS token; the head copies the value of an equal key, else gives zero.
    tokens = VS.from_values("tokens", ["bos", "a", "b"])
    bos = VS([D("tokens", "bos")])
    out_space = VS.from_values("o", ["a", "b"])
    head = categorical_attn.categorical_attn(
        tokens, tokens, tokens, out_space, bos, ONE_SPACE, lambda q, k: q == k
    )
    space = bases.join_vector_spaces(tokens, ONE_SPACE, out_space)
    rows = [{D("tokens", "bos"): 1}] + [{D("tokens", t): 1} for t in "ab"]
    x = bases.VectorInBasis.stack([space.make_vector({ONE: 1.0, **r}) for r in rows])
    assert one_hots(head.apply(x).project(out_space)) == [None, "a", "b"]


def test_attn_fn_takes_the_query_direction_first():
    seen = []
    categorical_attn.categorical_attn(
        QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: seen.append((q, k)) or False
    )
    assert {q.name for q, _ in seen} == {"q"} and {k.name for _, k in seen} == {"k"}


def test_no_match_attends_to_bos_and_gives_default_output():
    default = OUTS.make_vector({D("o", 1): 1.0})
    head = categorical_attn.categorical_attn(
        QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: False, default_output=default
    )
    out = head.apply(stream(ROWS, QS, KS, VALS, OUTS)).project(OUTS)
    assert one_hots(out) == [1, 1, 1, 1]
    zero = categorical_attn.categorical_attn(
        QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: False
    )
    assert one_hots(zero.apply(stream(ROWS, QS, KS, VALS, OUTS)).project(OUTS)) == [None] * 4


def test_values_pair_with_outputs_in_sorted_order():
    renamed = VS.from_values("p", ["a", "b", "c"])  # v:0 -> p:a, v:1 -> p:b, v:2 -> p:c
    head = categorical_attn.categorical_attn(
        QS, KS, VALS, renamed, BOS_SPACE, ONE_SPACE, lambda q, k: q.value == k.value
    )
    out = head.apply(stream(ROWS, QS, KS, VALS, renamed)).project(renamed)
    assert one_hots(out) == [None, "a", "c", "b"]


def test_explicit_softmax_coldness_and_causal_are_honoured():
    head = categorical_attn.categorical_attn(
        QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: True, causal=True,
        softmax_coldness=7.0,
    )  # fmt: skip
    w = head.w_qk
    assert head.causal
    assert w.matrix[w.left_space.index(D("q", 0)), w.right_space.index(D("k", 2))] == 7.0
    assert w.matrix[w.left_space.index(ONE), w.right_space.index(BOS)] == 3.5  # half: fallback
    # Causal: position 1 sees only BOS and itself; BOS scores 3.5 there, its own key 7.
    x = stream(ROWS, QS, KS, VALS, OUTS)
    p = head.pattern(x)
    assert p[1, 2:].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(p[1, :2], np.exp([3.5, 7.0]) / np.exp([3.5, 7.0]).sum())


def test_always_attend_to_bos_gives_bos_an_equal_share():
    share = VS([D("share")])
    head = categorical_attn.categorical_attn(
        QS, KS, BOS_SPACE, share, BOS_SPACE, ONE_SPACE, lambda q, k: True,
        always_attend_to_bos=True, use_bos_for_default_output=False,
    )  # fmt: skip
    out = head.apply(stream(ROWS, QS, KS, VALS)).project(share).magnitudes[:, 0]
    np.testing.assert_allclose(out[1:], [1 / 4] * 3, rtol=1e-9)  # BOS + 3 selected keys


def test_categorical_attn_checks_its_spaces():
    with pytest.raises(ValueError, match=r"bos_space must have 1 dimension\(s\), but has 2"):
        categorical_attn.categorical_attn(
            QS, KS, VALS, OUTS, VS([BOS, D("x")]), ONE_SPACE, lambda q, k: True
        )
    with pytest.raises(ValueError, match="3 value directions .* for 2 output directions"):
        categorical_attn.categorical_attn(
            QS, KS, VALS, VS.from_values("o", [0, 1]), BOS_SPACE, ONE_SPACE, lambda q, k: True
        )
    stray = VS([D("elsewhere")]).null_vector()
    with pytest.raises(ValueError, match="default_output has directions outside output_space"):
        categorical_attn.categorical_attn(
            QS, KS, VALS, OUTS, BOS_SPACE, ONE_SPACE, lambda q, k: True, default_output=stray
        )


# --- categorical_mlp -----------------------------------------------------------------------

XS = VS.from_values("x", [1, 2, 3])


def test_map_categorical_mlp_maps_directions_to_directions():
    out_space = VS.from_values("y", [2, 4, 6])
    mlp = categorical_mlp.map_categorical_mlp(XS, out_space, lambda d: D("y", 2 * d.value))
    x = stream([{D("x", v): 1} for v in (3, 1, 2)], XS)
    assert one_hots(mlp.apply(x).project(out_space)) == [None, 6, 2, 4]


def test_map_categorical_mlp_writes_nothing_for_an_image_outside_the_output():
    out_space = VS.from_values("y", [2, 4])
    mlp = categorical_mlp.map_categorical_mlp(XS, out_space, lambda d: D("y", 2 * d.value))
    x = stream([{D("x", v): 1} for v in (3, 1)], XS)
    assert one_hots(mlp.apply(x).project(out_space)) == [None, None, 2]


def test_map_categorical_to_numerical_mlp_keeps_negative_values():
    out_space = VS([D("y")])
    mlp = categorical_mlp.map_categorical_to_numerical_mlp(XS, out_space, lambda v: 1.5 - v)
    x = stream([{D("x", v): 1} for v in (1, 2, 3)], XS)
    assert mlp.apply(x).project(out_space).magnitudes[:, 0].tolist() == [0.0, 0.5, -0.5, -1.5]


def test_sequence_map_categorical_mlp_applies_the_operation_to_direction_pairs():
    ys, out_space = VS.from_values("y", [10, 20]), VS.from_values("s", [11, 12, 13, 21, 22, 23])
    mlp = categorical_mlp.sequence_map_categorical_mlp(
        XS, ys, out_space, lambda dx, dy: D("s", dx.value + dy.value), ONE_SPACE,
        hidden_name="pairs",
    )  # fmt: skip
    x = stream([{D("x", 3): 1, D("y", 20): 1}, {D("x", 1): 1, D("y", 10): 1}], XS, ys)
    assert one_hots(mlp.apply(x).project(out_space)) == [None, 23, 11]
    assert {d.name for d in mlp.fst.output_space.basis} == {"pairs"}


# --- numerical_mlp -------------------------------------------------------------------------

IN = VS([D("x")])
NUM = VS([D("y")])


def numbers(xs) -> bases.VectorInBasis:
    return stream([{D("x"): x} for x in xs], IN)


def test_map_numerical_mlp_computes_f_on_every_known_value():
    values = [0.0, 0.25, 0.5, 1.0, 3.0]
    mlp = numerical_mlp.map_numerical_mlp(lambda x: x * x - 1, IN, NUM, set(values), ONE_SPACE)
    got = mlp.apply(numbers(values)).project(NUM).magnitudes[1:, 0]
    np.testing.assert_allclose(got, [x * x - 1 for x in values], rtol=0, atol=1e-9)


def test_explicit_large_number_sets_the_step_slope():
    mlp = numerical_mlp.map_numerical_mlp(
        lambda x: 5 * x, IN, NUM, {0, 1}, ONE_SPACE, large_number=1000, hidden_name="h"
    )
    x_row = mlp.fst.matrix[mlp.fst.input_space.index(D("x"))]
    assert np.abs(x_row).max() == 1000.0  # not the automatic 2 / gap = 2
    assert {d.name for d in mlp.fst.output_space.basis} == {"h"}
    got = mlp.apply(numbers([0, 1])).project(NUM).magnitudes[1:, 0]
    np.testing.assert_allclose(got, [0, 5], rtol=0, atol=1e-9)


def test_map_numerical_to_categorical_mlp_writes_the_direction_of_f_x():
    out_space = VS.from_values("c", ["lo", "hi"])
    mlp = numerical_mlp.map_numerical_to_categorical_mlp(
        lambda x: "hi" if x > 0.5 else "lo", IN, out_space, {0.0, 1 / 3, 2 / 3, 1.0}, ONE_SPACE
    )
    got = mlp.apply(numbers([1.0, 1 / 3, 2 / 3, 0.0])).project(out_space)
    assert one_hots(got)[1:] == ["hi", "lo", "hi", "lo"]


def test_linear_sequence_map_numerical_mlp_is_exact():
    mlp = numerical_mlp.linear_sequence_map_numerical_mlp(D("a"), D("b"), D("c"), 2.0, -3.0)
    x = stream([{D("a"): 1.5, D("b"): -2.0}, {D("a"): -4.0, D("b"): 0.5}], VS([D("a"), D("b")]))
    assert mlp.apply(x).project([D("c")]).magnitudes[:, 0].tolist() == [0.0, 9.0, -9.5]


def test_discretising_layer_materials():
    materials = numerical_mlp.discretising_layer([0, 1, 2], lambda x: x + 10, "h", ONE)
    assert isinstance(materials, numerical_mlp.DiscretisingLayerMaterials)
    assert materials.output_values == [10, 11, 12]
    assert {d.name for d in materials.hidden_space.basis} == {"h"}
    assert materials.action(ONE) in materials.hidden_space
    labels = numerical_mlp.discretising_layer([0, 1], lambda x: "ab"[x], "h", ONE)
    assert labels.output_values == ["a", "b"]


def test_numerical_mlps_check_their_spaces():
    with pytest.raises(ValueError, match=r"one_space must have 1 dimension\(s\), but has 2"):
        numerical_mlp.map_numerical_mlp(abs, IN, NUM, {0, 1}, VS([ONE, D("two")]))
    with pytest.raises(ValueError, match=r"output_space must have 1 dimension\(s\), but has 2"):
        numerical_mlp.map_numerical_mlp(abs, IN, VS([D("a"), D("b")]), {0, 1}, ONE_SPACE)
    with pytest.raises(ValueError, match=r"input_space must have 1 dimension\(s\), but has 0"):
        numerical_mlp.map_numerical_to_categorical_mlp(abs, VS([]), NUM, {0, 1}, ONE_SPACE)


# --- selector_width ------------------------------------------------------------------------

WIDTHS = VS.from_values("w", range(4))


@pytest.mark.parametrize("causal", [False, True])
def test_selector_width_counts_the_selected_keys(causal):
    series = selector_width.selector_width(
        QS, KS, WIDTHS, BOS_SPACE, ONE_SPACE, lambda q, k: k.value <= q.value, range(4),
        categorical_output=True, causal=causal, label="sw",
    )  # fmt: skip
    out = series.apply(stream(ROWS, QS, KS, VALS)).project(WIDTHS)
    # keys 1, 0, 2; queries 0, 1, 2: widths 1, 2, 3 (causal: of keys up to the query: 0, 2, 3)
    assert one_hots(out) == ([None, 0, 2, 3] if causal else [None, 1, 2, 3])


def test_selector_width_numerical_output():
    series = selector_width.selector_width(
        QS, KS, VS([D("n")]), BOS_SPACE, ONE_SPACE, lambda q, k: True, range(4),
        categorical_output=False, softmax_coldness=50.0, mlp_large_number=200.0,
    )  # fmt: skip
    got = series.apply(stream(ROWS, QS, KS, VALS)).project([D("n")]).magnitudes[:, 0]
    np.testing.assert_allclose(got, [0, 3, 3, 3], rtol=0, atol=1e-6)


def test_selector_width_refuses_a_taken_scratch_direction():
    taken = VS([D("w_selector_width_attn_output")])
    with pytest.raises(ValueError, match="scratch direction w_selector_width_attn_output is taken"):
        selector_width.selector_width(
            QS, KS, taken, BOS_SPACE, ONE_SPACE, lambda q, k: True, range(4), False, label="w"
        )


def test_selector_width_needs_one_numerical_output_direction():
    with pytest.raises(ValueError, match=r"output_space must have 1 dimension\(s\), but has 4"):
        selector_width.selector_width(
            QS, KS, WIDTHS, BOS_SPACE, ONE_SPACE, lambda q, k: True, range(4), False
        )


def test_selector_width_default_sharpness_is_exact_beyond_width_10():
    # The reference's fixed mlp_large_number=100 could not tell 1/11 from 1/12; the default
    # here follows the gaps between the values 1/(w+1).
    n = 20
    qs, ks = VS.from_values("q", range(n)), VS.from_values("k", range(n))
    widths = VS.from_values("w", range(n + 1))
    series = selector_width.selector_width(
        qs, ks, widths, BOS_SPACE, ONE_SPACE, lambda q, k: k.value <= q.value, range(n + 1),
        categorical_output=True,
    )  # fmt: skip
    rows = [{D("q", i): 1, D("k", i): 1} for i in range(n)]  # query i selects keys 0..i
    assert one_hots(series.apply(stream(rows, qs, ks)).project(widths)) == [None, *range(1, 21)]
