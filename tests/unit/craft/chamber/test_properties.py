"""Hypothesis: random lookup tables and random value sets through the MLP constructions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.bases import join_vector_spaces as join
from tracr.craft.chamber import categorical_mlp, numerical_mlp

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
FIXED = VectorSpaceWithBasis((ONE, BOS))
SETTINGS = settings(max_examples=60, deadline=None)

scalars = st.one_of(
    st.integers(-50, 50), st.sampled_from(["a", "b", "c", "BOS", ""]), st.booleans()
)


def residual(space: VectorSpaceWithBasis, rows: list[dict], bos: dict | None = None):
    """BOS row (``one``, BOS and ``bos``), then one row per dict; ``one`` = 1 everywhere."""
    full = join(space, FIXED)
    mags = np.zeros((len(rows) + 1, full.num_dims))
    mags[:, full.index(ONE)] = 1.0
    mags[0, full.index(BOS)] = 1.0
    for t, row in enumerate([bos or {}, *rows]):
        for d, x in row.items():
            mags[t, full.index(d)] = x
    return VectorInBasis(full.basis, mags)


@st.composite
def lookup_tables(draw):
    """Distinct inputs (mixed types; True and 1 would collide, so keyed by value) -> outputs."""
    inputs = draw(st.lists(scalars, min_size=1, max_size=12, unique=True))
    inputs = list({v: None for v in inputs})  # drop values equal across types (1 == True)
    outputs = draw(st.lists(st.one_of(st.none(), scalars), min_size=len(inputs), max_size=12))
    return dict(zip(inputs, outputs[: len(inputs)], strict=True))


@SETTINGS
@given(lookup_tables(), st.lists(scalars, max_size=3))
def test_random_lookup_tables(lut, extra_outputs):
    xs = VectorSpaceWithBasis.from_values("x", lut)
    used = [v for v in lut.values() if v is not None]
    out = VectorSpaceWithBasis.from_values("y", list({v: None for v in used + extra_outputs}))
    mlp = categorical_mlp.categorical_lookup_mlp(xs, out, lut.__getitem__, "h")
    rows = [{BasisDirection("x", v): 1.0} for v in lut] + [{}]
    got = mlp.apply(residual(xs, rows)).project(out).magnitudes
    want = np.zeros_like(got)
    for t, v in enumerate(lut, start=1):
        if lut[v] is not None:
            want[t, out.index(BasisDirection("y", lut[v]))] = 1.0
    assert np.array_equal(got, want)  # BOS row, None input and f -> None: all exactly zero
    assert mlp.hidden_size == len(set(used))


@SETTINGS
@given(lookup_tables(), st.integers(0, 2**32 - 1))
def test_random_tables_to_numbers(lut, seed):
    xs = VectorSpaceWithBasis.from_values("x", lut)
    out = VectorSpaceWithBasis((BasisDirection("y"),))
    numbers = dict(zip(lut, np.random.default_rng(seed).uniform(-1e3, 1e3, len(lut)), strict=True))
    mlp = categorical_mlp.map_categorical_to_numerical_mlp(xs, out, numbers.__getitem__, "h")
    rows = [{BasisDirection("x", v): 1.0} for v in lut] + [{}]
    got = mlp.apply(residual(xs, rows)).project(out).magnitudes[:, 0]
    np.testing.assert_allclose(got, [0.0, *numbers.values(), 0.0], rtol=0, atol=1e-6)


@st.composite
def value_sets(draw):
    """Sorted floats with every gap >= 1e-4, spanning up to ~60 around a random start."""
    start = draw(st.floats(-20, 20, allow_nan=False))
    gaps = draw(
        st.lists(st.one_of(st.floats(1e-4, 1e-3), st.floats(1e-3, 2.0)), min_size=0, max_size=40)
    )
    values = [start]
    for g in gaps:
        values.append(values[-1] + g)
    return values


@SETTINGS
@given(value_sets(), st.integers(0, 2**32 - 1), st.booleans())
def test_random_value_sets(values, seed, numerical):
    rng = np.random.default_rng(seed)
    x = BasisDirection("x")
    if numerical:
        images = rng.uniform(-100, 100, len(values))
        out = VectorSpaceWithBasis((BasisDirection("y"),))
    else:
        labels = ["p", "q", "r", None]
        images = [labels[i] for i in rng.integers(0, 4, len(values))]
        out = VectorSpaceWithBasis.from_values("y", labels[:3])
    lut = dict(zip(values, images, strict=True))
    mlp = numerical_mlp.discretising_mlp(
        VectorSpaceWithBasis((x,)), out, lut.__getitem__, values, ONE, BOS, "h", numerical
    )
    # each value, and each moved by 1/8 of its gap on either side
    probes, want = [], []
    for i, v in enumerate(values):
        below = v - values[i - 1] if i else 1.0
        above = values[i + 1] - v if i + 1 < len(values) else 1.0
        probes += [v, v - below / 8, v + above / 8]
        want += [lut[v]] * 3
    bos_x = float(rng.choice([0.0, 1.0, values[0], values[-1]]))
    rows = [{x: p} for p in probes]
    got = mlp.apply(residual(VectorSpaceWithBasis((x,)), rows, {x: bos_x})).project(out)
    got = got.magnitudes
    assert (got[0] == 0.0).all()  # BOS
    if numerical:
        np.testing.assert_allclose(got[1:, 0], want, rtol=0, atol=1e-6)
    else:
        onehot = np.zeros_like(got[1:])
        for t, w in enumerate(want):
            if w is not None:
                onehot[t, out.index(BasisDirection("y", w))] = 1.0
        assert np.array_equal(np.round(got[1:], 9), onehot)
