"""MLPs on categorical inputs: every input value (and None, and BOS) through each construction."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.bases import join_vector_spaces as join
from tracr.craft.chamber import categorical_mlp
from tracr.craft.transformers import MLP

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
FIXED = VectorSpaceWithBasis((ONE, BOS))


def residual(space: VectorSpaceWithBasis, rows: list[dict]) -> VectorInBasis:
    """[T, d] stream: the BOS row (``one`` and BOS only), then one row per dict; ``one`` = 1."""
    full = join(space, FIXED)
    mags = np.zeros((len(rows) + 1, full.num_dims))
    mags[:, full.index(ONE)] = 1.0
    mags[0, full.index(BOS)] = 1.0
    for t, row in enumerate(rows, start=1):
        for d, x in row.items():
            mags[t, full.index(d)] = x
    return VectorInBasis(full.basis, mags)


def onehots(space: VectorSpaceWithBasis, values: list) -> np.ndarray:
    """Rows of the expected output: one-hot of each value, all zero for None."""
    out = np.zeros((len(values), space.num_dims))
    for t, v in enumerate(values):
        if v is not None:
            out[t, space.index(BasisDirection(space.basis[0].name, v))] = 1.0
    return out


def run(mlp: MLP, stream: VectorInBasis, out_space: VectorSpaceWithBasis) -> np.ndarray:
    return mlp.apply(stream).project(out_space).magnitudes


X_VALUES = [0, 1, 2, 3, 4, "a", "b"]
X = VectorSpaceWithBasis.from_values("x", X_VALUES)
ROWS = [{BasisDirection("x", v): 1.0} for v in X_VALUES] + [{}]  # the last row is None


# --- categorical -> categorical ------------------------------------------------------------


def lookup(v):
    return {0: "even", 1: "odd", 2: "even", 3: "odd", 4: None, "a": "letter", "b": "letter"}[v]


def test_map_categorical_every_value():
    out = VectorSpaceWithBasis.from_values("y", ["even", "letter", "odd", "unused"])
    mlp = categorical_mlp.categorical_lookup_mlp(X, out, lookup, "y_hidden", label="y")
    got = run(mlp, residual(X, ROWS), out)
    want = onehots(out, [None] + [lookup(v) for v in X_VALUES] + [None])
    assert np.array_equal(got, want)  # exact: BOS row, None row and f -> None all zero
    assert mlp.hidden_size == 3  # one unit per distinct non-None output
    assert mlp.label == "y"


def test_map_categorical_output_value_missing_from_the_output_space():
    out = VectorSpaceWithBasis.from_values("y", ["even", "odd"])
    with pytest.raises(ValueError) as info:
        categorical_mlp.categorical_lookup_mlp(X, out, lookup, "h")
    assert str(info.value) == "value 'letter' is not in the output space ['y:even', 'y:odd']"


@pytest.mark.parametrize(
    "f",
    [lambda v: complex(0, v), lambda v: (None, v) if v % 2 else (v, v)],
    ids=["complex", "tuples-with-None"],
)
def test_map_categorical_outputs_that_do_not_compare(f):
    # Regression: the hidden values were sorted with ``<``, which raised TypeError for output
    # values that have no order among themselves.
    xs = VectorSpaceWithBasis.from_values("x", [1, 2, 3])
    out = VectorSpaceWithBasis.from_values("y", [f(v) for v in (1, 2, 3)])
    mlp = categorical_mlp.categorical_lookup_mlp(xs, out, f, "h")
    rows = [{BasisDirection("x", v): 1.0} for v in (1, 2, 3)]
    got = run(mlp, residual(xs, rows), out)
    assert np.array_equal(got, onehots(out, [None] + [f(v) for v in (1, 2, 3)]))


# --- categorical -> numerical --------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "values"),
    [
        (lambda v: -v, [0, 1, 2, 3, 7]),  # Regression: the reference clipped these to 0.
        (lambda v: v * v - 3.5, [-2, -1, 0, 1, 2]),
        (lambda v: {"a": -1e6, "b": 0.125, "c": 0.0}[v], ["a", "b", "c"]),
    ],
    ids=["negate", "quadratic", "strings"],
)
def test_map_categorical_to_numerical_every_value(f, values):
    xs = VectorSpaceWithBasis.from_values("x", values)
    out = VectorSpaceWithBasis((BasisDirection("y"),))
    mlp = categorical_mlp.map_categorical_to_numerical_mlp(xs, out, f, "h")
    rows = [{BasisDirection("x", v): 1.0} for v in values] + [{}]
    got = run(mlp, residual(xs, rows), out)[:, 0]
    want = [0.0] + [f(v) for v in values] + [0.0]  # BOS, every value, None
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert got[0] == 0.0 and got[-1] == 0.0  # BOS and None exactly zero
    assert mlp.hidden_size == len({f(v) for v in values} - {0.0})  # one unit per non-zero output


# --- categorical SequenceMap (product of inputs) -------------------------------------------

Y_VALUES = ["p", "q"]
Y = VectorSpaceWithBasis.from_values("y", Y_VALUES)
Z_VALUES = [10, 20, 30]
Z = VectorSpaceWithBasis.from_values("z", Z_VALUES)


def cells(*named_values: tuple[str, list]) -> list[tuple[dict, tuple]]:
    """Every combination of values, None included, as (residual row, values)."""
    out = []
    options = [[*values, None] for _, values in named_values]
    for combo in itertools.product(*options):
        row = {
            BasisDirection(n, v): 1.0
            for (n, _), v in zip(named_values, combo, strict=True)
            if v is not None
        }
        out.append((row, combo))
    return out


def pair(x, y):
    return None if x == 4 else f"{y}{x}"


def test_product_mlp_two_categorical_inputs():
    grid = cells(("x", X_VALUES), ("y", Y_VALUES))
    out = VectorSpaceWithBasis.from_values(
        "o", sorted({f"{y}{x}" for x in X_VALUES for y in Y_VALUES})
    )
    mlp = categorical_mlp.product_mlp([X, Y], out, pair, ONE, "h", label="o")
    got = run(mlp, residual(join(X, Y), [row for row, _ in grid]), out)
    want = [None] + [None if None in combo else pair(*combo) for _, combo in grid]
    assert np.array_equal(got, onehots(out, want))
    assert mlp.hidden_size == len(X_VALUES) * len(Y_VALUES)


def test_product_mlp_three_inputs_numerical_output():
    def f(x, y, z):
        return (x if isinstance(x, int) else -7) * z - (100.5 if y == "p" else 0)

    grid = cells(("x", X_VALUES), ("y", Y_VALUES), ("z", Z_VALUES))
    out = VectorSpaceWithBasis((BasisDirection("o"),))
    mlp = categorical_mlp.product_mlp([X, Y, Z], out, f, ONE, "h", numerical_output=True)
    got = run(mlp, residual(join(X, Y, Z), [row for row, _ in grid]), out)[:, 0]
    want = [0.0] + [0.0 if None in combo else f(*combo) for _, combo in grid]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert any(w < 0 for w in want)
    none_rows = [0] + [t + 1 for t, (_, combo) in enumerate(grid) if None in combo]
    assert (got[none_rows] == 0.0).all()  # BOS and every row with a None input: exactly 0
    assert mlp.hidden_size == len(X_VALUES) * len(Y_VALUES) * len(Z_VALUES)


def test_product_mlp_three_inputs_categorical_output():
    def f(x, y, z):
        return f"{x}{y}{z}"

    grid = cells(("x", X_VALUES), ("y", Y_VALUES), ("z", Z_VALUES))
    values = sorted({f(*c) for _, c in grid if None not in c})
    out = VectorSpaceWithBasis.from_values("o", values)
    mlp = categorical_mlp.product_mlp([X, Y, Z], out, f, ONE, "h")
    got = run(mlp, residual(join(X, Y, Z), [row for row, _ in grid]), out)
    want = [None] + [None if None in combo else f(*combo) for _, combo in grid]
    assert np.array_equal(got, onehots(out, want))


def test_product_mlp_with_the_same_sop_twice():
    # SequenceMap(f, x, x): the unit (v, v) reads 2 x_v - 1, the unit (u, v) reads x_u + x_v - 1.
    def f(a, b):
        return f"{a}|{b}"

    out = VectorSpaceWithBasis.from_values("o", [f(a, b) for a in X_VALUES for b in X_VALUES])
    mlp = categorical_mlp.product_mlp([X, X], out, f, ONE, "h")
    got = run(mlp, residual(X, ROWS), out)
    assert np.array_equal(got, onehots(out, [None] + [f(v, v) for v in X_VALUES] + [None]))


def test_product_mlp_output_value_missing_from_the_output_space():
    out = VectorSpaceWithBasis.from_values("o", ["p0"])
    with pytest.raises(ValueError) as info:
        categorical_mlp.product_mlp([X, Y], out, pair, ONE, "h")
    assert str(info.value) == "value 'q0' is not in the output space ['o:p0']"
