"""MLPs on numerical inputs: exact linear maps and discretising lookups on tight value sets."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.chamber import numerical_mlp
from tracr.craft.transformers import MLP

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
XD = BasisDirection("x")
X = VectorSpaceWithBasis((XD,))
NUM_OUT = VectorSpaceWithBasis((BasisDirection("y"),))

# Every fraction k/m with 0 <= k <= m <= 64: what a numerical mean of 0/1 values can be at
# max_seq_len 64. 1,261 values; the smallest gap is 1/4032.
FRACTIONS = sorted({Fraction(k, m) for m in range(1, 65) for k in range(m + 1)})
FRACTION_VALUES = [float(v) for v in FRACTIONS]


def stream(xs, bos_x: float = 0.0) -> VectorInBasis:
    """Directions (one, tokens:BOS, x): the BOS row with x = bos_x, then one row per x."""
    space = VectorSpaceWithBasis((ONE, BOS, XD))
    mags = np.zeros((len(xs) + 1, 3))
    mags[:, space.index(ONE)] = 1.0
    mags[0, space.index(BOS)] = 1.0
    mags[0, space.index(XD)] = bos_x
    mags[1:, space.index(XD)] = xs
    return VectorInBasis(space.basis, mags)


def run(mlp: MLP, xs, out: VectorSpaceWithBasis, bos_x: float = 0.0) -> np.ndarray:
    """Output rows for the BOS position followed by one per input."""
    return mlp.apply(stream(xs, bos_x)).project(out).magnitudes


def probes(values: list[float]) -> tuple[list[float], list[int]]:
    """Each known value and the value moved by 1/8 of the gap on either side of it.

    The ramp of a step occupies the middle half of its gap, so all of these must give exactly
    the known value's image. Returns (inputs, index of the known value each input stands for).
    """
    xs, idx = [], []
    for i, v in enumerate(values):
        below = values[i] - values[i - 1] if i > 0 else values[1] - values[0]
        above = values[i + 1] - values[i] if i + 1 < len(values) else below
        xs += [v, v - below / 8, v + above / 8]
        idx += [i, i, i]
    return xs, idx


def table(values: list[float], seed: int, labels=None):
    """A fixed pseudo-random f over ``values``: numbers in [-100, 100], or picks from labels."""
    rng = np.random.default_rng(seed)
    if labels is None:
        images = rng.uniform(-100, 100, len(values)).round(6)
    else:
        images = [labels[i] for i in rng.integers(0, len(labels), len(values))]
    lut = dict(zip(values, images, strict=True))
    return lambda v: lut[v]


def build(values, f, numerical: bool, out=None, exactness=None) -> MLP:
    out = NUM_OUT if numerical else out
    return numerical_mlp.discretising_mlp(
        X, out, f, values, ONE, BOS, "h", numerical_output=numerical, exactness=exactness
    )


# --- numerical -> numerical ----------------------------------------------------------------


def test_fractions_to_numbers_exact_at_and_near_every_value():
    f = table(FRACTION_VALUES, seed=0)
    mlp = build(FRACTION_VALUES, f, numerical=True)
    xs, idx = probes(FRACTION_VALUES)
    got = run(mlp, xs, NUM_OUT)[:, 0]
    want = np.array([f(FRACTION_VALUES[i]) for i in idx])
    assert got[0] == 0.0  # BOS
    np.testing.assert_allclose(got[1:], want, rtol=0, atol=1e-6)


def test_negative_and_far_from_zero_values():
    values = [-7.5, -7.25, -1.0, 3.0, 1000.0]
    f = table(values, seed=1)
    mlp = build(values, f, numerical=True)
    xs, idx = probes(values)
    got = run(mlp, xs, NUM_OUT)[:, 0]
    np.testing.assert_allclose(got[1:], [f(values[i]) for i in idx], rtol=0, atol=1e-6)
    assert got[0] == 0.0


def test_hidden_width_counts_only_the_steps_that_change_the_output():
    values = [0.0, 0.25, 0.5, 0.75, 1.0]
    mlp = build(values, lambda x: float(x > 0.5), numerical=True)
    assert mlp.hidden_size == 1 + 2  # base unit + one step (0.5 -> 0.75)
    got = run(mlp, values, NUM_OUT)[:, 0]
    assert got.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    constant = build(values, lambda x: 3.0, numerical=True)
    assert constant.hidden_size == 1
    assert run(constant, values, NUM_OUT)[:, 0].tolist() == [0.0] + [3.0] * 5


def test_single_value():
    mlp = build([0.3], lambda x: -2.0, numerical=True)
    assert run(mlp, [0.3], NUM_OUT)[:, 0].tolist() == [0.0, -2.0]


def test_inputs_beyond_the_known_range_read_as_the_end_values():
    values = [1.0, 2.0, 3.0]
    mlp = build(values, lambda x: 10 * x, numerical=True)
    got = run(mlp, [-50.0, 0.0, 3.5, 99.0], NUM_OUT)[:, 0]
    np.testing.assert_allclose(got[1:], [10.0, 10.0, 30.0, 30.0], rtol=0, atol=1e-9)


def test_explicit_exactness_only_sharpens():
    values = [0.0, 0.5, 1.0]
    f = table(values, seed=2)
    soft = build(values, f, numerical=True, exactness=1.0)  # below 2 / gap = 4: ignored
    sharp = build(values, f, numerical=True, exactness=1e4)
    auto = build(values, f, numerical=True)
    assert np.array_equal(soft.fst.matrix, auto.fst.matrix)
    assert np.abs(sharp.fst.matrix).max() > np.abs(auto.fst.matrix).max()
    xs = [0.0, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0]  # steps of the sharp MLP: within 1e-4 of 0.25/0.75
    want = [f(0.0), f(0.0), f(0.5), f(0.5), f(0.5), f(1.0), f(1.0)]
    np.testing.assert_allclose(run(sharp, xs, NUM_OUT)[1:, 0], want, rtol=0, atol=1e-9)


# --- numerical -> categorical --------------------------------------------------------------

LABELS = ["a", "b", "c", "d", "e"]
CAT_OUT = VectorSpaceWithBasis.from_values("y", LABELS)


def onehot_rows(images) -> np.ndarray:
    out = np.zeros((len(images), CAT_OUT.num_dims))
    for t, v in enumerate(images):
        if v is not None:
            out[t, CAT_OUT.index(BasisDirection("y", v))] = 1.0
    return out


def test_fractions_to_categories_exact_at_and_near_every_value():
    f = table(FRACTION_VALUES, seed=3, labels=[*LABELS, None])
    mlp = build(FRACTION_VALUES, f, numerical=False, out=CAT_OUT)
    xs, idx = probes(FRACTION_VALUES)
    got = run(mlp, xs, CAT_OUT)
    assert (got[0] == 0.0).all()  # BOS
    want = onehot_rows([f(FRACTION_VALUES[i]) for i in idx])
    assert np.array_equal(np.round(got[1:], 9), want)


def test_fraction_above_one_half():
    # SPEC 5: frac_prevs > 0.5 went wrong when 2/3 was missing from the value set.
    out = VectorSpaceWithBasis.from_values("y", [False, True])
    mlp = build(FRACTION_VALUES, lambda x: x > 0.5, numerical=False, out=out)
    got = run(mlp, FRACTION_VALUES, out)
    want = np.array([[0.0, 0.0]] + [[float(v <= 0.5), float(v > 0.5)] for v in FRACTION_VALUES])
    assert np.array_equal(np.round(got, 9), want)
    assert mlp.hidden_size == 3


def test_categorical_output_missing_from_the_output_space():
    with pytest.raises(ValueError) as info:
        build([0.0, 1.0], lambda x: "z" if x else "a", numerical=False, out=CAT_OUT)
    assert str(info.value) == (
        "value 'z' is not in the output space ['y:a', 'y:b', 'y:c', 'y:d', 'y:e']"
    )


# --- the BOS position ----------------------------------------------------------------------


@pytest.mark.parametrize("values", [[0.0, 0.5, 1.0], [5.0, 6.0, 7.0], [-3.0, -2.0], [0.25]])
def test_bos_outputs_exactly_zero(values):
    # Whatever sits in x at BOS (0 after an Aggregate, 1 in SelectorWidth's scratch, or any
    # known value), the BOS row is exactly zero in the output space.
    f = table(values, seed=4)
    g = table(values, seed=5, labels=LABELS)
    num = build(values, f, numerical=True)
    cat = build(values, g, numerical=False, out=CAT_OUT)
    for bos_x in {0.0, 1.0, min(values), max(values)}:
        assert (run(num, values, NUM_OUT, bos_x)[0] == 0.0).all()
        assert (run(cat, values, CAT_OUT, bos_x)[0] == 0.0).all()


# --- numerical LinearSequenceMap -----------------------------------------------------------

YD = BasisDirection("y")
OUT = VectorSpaceWithBasis((BasisDirection("o"),))


def two_inputs(pairs) -> VectorInBasis:
    space = VectorSpaceWithBasis((ONE, BOS, XD, YD))
    mags = np.zeros((len(pairs) + 1, 4))
    mags[:, space.index(ONE)] = 1.0
    mags[0, space.index(BOS)] = 1.0
    for t, (x, y) in enumerate(pairs, start=1):
        mags[t, space.index(XD)] = x
        mags[t, space.index(YD)] = y
    return VectorInBasis(space.basis, mags)


PAIRS = [(x, y) for x in (-3.5, -1.0, 0.0, 0.25, 2.0, 1e3) for y in (-2.0, 0.0, 0.5, 7.0)]


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (2.0, -3.0), (-0.5, 0.0), (0.0, 0.0)])
def test_linear_sequence_map(a, b):
    mlp = numerical_mlp.linear_sequence_map_mlp(X, VectorSpaceWithBasis((YD,)), OUT, a, b, "h")
    got = mlp.apply(two_inputs(PAIRS)).project(OUT).magnitudes[:, 0]
    assert got[0] == 0.0  # BOS
    np.testing.assert_allclose(got[1:], [a * x + b * y for x, y in PAIRS], rtol=0, atol=1e-6)
    assert mlp.hidden_size == 4


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (2.0, -3.0), (1.0, -1.0)])
def test_linear_sequence_map_of_the_same_sop_twice(a, b):
    mlp = numerical_mlp.linear_sequence_map_mlp(X, X, OUT, a, b, "h")
    got = mlp.apply(two_inputs(PAIRS)).project(OUT).magnitudes[:, 0]
    assert got[0] == 0.0
    np.testing.assert_allclose(got[1:], [(a + b) * x for x, _ in PAIRS], rtol=0, atol=1e-6)
    assert mlp.hidden_size == 2
