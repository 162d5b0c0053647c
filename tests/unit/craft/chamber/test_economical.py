"""The economical constructions: an integer affine function and its square (MLP), and the
numerical EQ head that reads them. Every value through every construction; BOS kept zero."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.bases import join_vector_spaces as join
from tracr.craft.chamber import (
    affine_square_mlp,
    attention,
    conjunction_attention,
    numerical_eq_attention,
)

ONE = BasisDirection("one")
BOS = BasisDirection("tokens", "BOS")
OUT, SQUARE = BasisDirection("q"), BasisDirection("q__squared")
X_VALUES, Y_VALUES = [0, 1, 2, 3, 4, 5], [-3, -1, 0, 2, 7]
X = VectorSpaceWithBasis.from_values("x", X_VALUES)
Y = VectorSpaceWithBasis.from_values("y", Y_VALUES)


def stream(space: VectorSpaceWithBasis, rows: list[dict]) -> VectorInBasis:
    """Row 0 is BOS (``one`` and BOS only); each later row sets the given directions."""
    mags = np.zeros((len(rows) + 1, space.num_dims))
    mags[:, space.index(ONE)] = 1.0
    mags[0, space.index(BOS)] = 1.0
    for t, row in enumerate(rows, start=1):
        for d, v in row.items():
            mags[t, space.index(d)] = v
    return VectorInBasis(space.basis, mags)


@pytest.mark.parametrize(("a", "b", "c"), [(1, -1, -1), (-2, 3, 5), (3, 0, 0), (0, 2, -4)])
def test_affine_square_mlp_is_exact_on_every_pair(a, b, c):
    mlp = affine_square_mlp.affine_square_mlp((X, a), (Y, b), c, OUT, SQUARE, ONE, BOS, "h")
    pairs = list(itertools.product(X_VALUES, Y_VALUES))
    space = join(X, Y, VectorSpaceWithBasis((ONE, BOS, OUT, SQUARE)))
    rows = [{BasisDirection("x", x): 1.0, BasisDirection("y", y): 1.0} for x, y in pairs]
    got = mlp.apply(stream(space, rows))
    q = got.project(VectorSpaceWithBasis((OUT,))).magnitudes[:, 0]
    q2 = got.project(VectorSpaceWithBasis((SQUARE,))).magnitudes[:, 0]
    want = np.array([a * x + b * y + c for x, y in pairs], dtype=float)
    np.testing.assert_array_equal(q[1:], want)  # exact: every number is an integer
    np.testing.assert_array_equal(q2[1:], want**2)
    assert q[0] == 0.0 and q2[0] == 0.0  # the BOS invariant


def test_affine_square_mlp_of_one_sop_and_its_width():
    mlp = affine_square_mlp.affine_square_mlp((X, -1), None, 2, OUT, SQUARE, ONE, BOS, "h")
    assert mlp.hidden_size == 3  # q, -q and the square: no gated products
    space = join(X, VectorSpaceWithBasis((ONE, BOS, OUT, SQUARE)))
    got = mlp.apply(stream(space, [{BasisDirection("x", x): 1.0} for x in X_VALUES]))
    q = got.project(VectorSpaceWithBasis((OUT,))).magnitudes[:, 0]
    q2 = got.project(VectorSpaceWithBasis((SQUARE,))).magnitudes[:, 0]
    np.testing.assert_array_equal(q, [0] + [2 - x for x in X_VALUES])
    np.testing.assert_array_equal(q2, [0] + [(2 - x) ** 2 for x in X_VALUES])
    two = affine_square_mlp.affine_square_mlp((X, 1), (Y, 1), 0, OUT, SQUARE, ONE, BOS, "h")
    assert two.hidden_size <= 3 + 2 * len(X_VALUES)


def test_largest_preactivation_bounds_every_unit():
    a, b, c = -2, 3, 5
    mlp = affine_square_mlp.affine_square_mlp((X, a), (Y, b), c, OUT, SQUARE, ONE, BOS, "h")
    space = join(X, Y, VectorSpaceWithBasis((ONE, BOS)))
    rows = [{BasisDirection("x", x): 1.0, BasisDirection("y", y): 1.0}
            for x, y in itertools.product(X_VALUES, Y_VALUES)]
    pre = mlp.fst(stream(space, rows)).magnitudes
    bound = affine_square_mlp.largest_preactivation(X_VALUES, Y_VALUES, a, b, c)
    assert np.abs(pre).max() <= bound


# --- the numerical EQ head ----------------------------------------------------------------

KEY_VALUES = list(range(6))
KEYS = VectorSpaceWithBasis.from_values("indices", KEY_VALUES)
V = VectorSpaceWithBasis((BasisDirection("v"),))
V_OUT = VectorSpaceWithBasis((BasisDirection("out"),))
HEAD_SPACE = join(KEYS, V, VectorSpaceWithBasis((ONE, BOS, OUT, SQUARE)))


def head_stream(queries: list[int], keys: list[int | None]) -> VectorInBasis:
    rows = []
    for t, (q, k) in enumerate(zip(queries, keys, strict=True)):
        row = {OUT: float(q), SQUARE: float(q * q), BasisDirection("v"): 10.0 + t}
        if k is not None:
            row[BasisDirection("indices", k)] = 1.0
        rows.append(row)
    return stream(HEAD_SPACE, rows)


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_numerical_eq_head_selects_equal_keys_or_bos(causal):
    queries = [5, 0, -1, 3, 6, 2, 2, 4]  # -1 and 6 match no key
    keys = [0, 1, 2, 3, 4, 5, 2, 0]
    n = len(queries)
    c = attention.default_coldness(n)
    ov = attention.value_map(V, V_OUT, numerical=True)
    head = numerical_eq_attention.numerical_eq_head(OUT, SQUARE, KEYS, ov, ONE, BOS, c, 0.5,
                                                    causal=causal)
    p = head.pattern(head_stream(queries, keys))
    for i, q in enumerate(queries):
        visible = range(i + 1) if causal else range(n)
        chosen = [j for j in visible if keys[j] == q]
        row = p[i + 1]
        if chosen:
            np.testing.assert_allclose(row[[j + 1 for j in chosen]], 1 / len(chosen),
                                       rtol=0, atol=1e-12)
        else:
            assert row[0] > 1 - 1e-12  # nothing selected: BOS, the default
    assert p[0, 0] > 1 - 1e-12  # the BOS query attends to BOS


def test_numerical_eq_head_for_selector_width_ties_bos():
    queries, keys = [2, 2, 0, 7], [2, 2, 2, 1]
    c = attention.default_coldness(len(queries))
    ov = numerical_eq_attention.width_value_map(BOS, BasisDirection("scratch"))
    head = numerical_eq_attention.numerical_eq_head(OUT, SQUARE, KEYS, ov, ONE, BOS, c, 1.0)
    p = head.pattern(head_stream(queries, keys))
    widths = [sum(k == q for k in keys) for q in queries]
    np.testing.assert_allclose(p[1:, 0], [1 / (w + 1) for w in widths], rtol=0, atol=1e-12)


# --- the conjunction head -----------------------------------------------------------------

A = VectorSpaceWithBasis.from_values("a", [0, 1, 2])
B = VectorSpaceWithBasis.from_values("b", ["x", "y"])


@pytest.mark.parametrize("bos_weight", [0.5, 1.0], ids=["aggregate", "width"])
def test_conjunction_head_selects_keys_satisfying_every_leaf(bos_weight):
    a_vals = [0, 1, 2, 1, None, 2, 0]
    b_vals = ["x", "y", "x", "x", "y", None, "y"]
    eq_a = np.array([[k == q for k in [0, 1, 2]] for q in [0, 1, 2]])
    neq_b = np.array([[k != q for k in ["x", "y"]] for q in ["x", "y"]])
    space = join(A, B, V, VectorSpaceWithBasis((ONE, BOS)))
    rows = []
    for a, b in zip(a_vals, b_vals, strict=True):
        row = {}
        if a is not None:
            row[BasisDirection("a", a)] = 1.0
        if b is not None:
            row[BasisDirection("b", b)] = 1.0
        rows.append(row)
    c = attention.default_coldness(len(rows))
    ov = numerical_eq_attention.width_value_map(BOS, BasisDirection("scratch"))
    head = conjunction_attention.conjunction_head([(A, A, eq_a), (B, B, neq_b)], ov, ONE, BOS,
                                                  c, bos_weight)
    p = head.pattern(stream(space, rows))
    for i, (qa, qb) in enumerate(zip(a_vals, b_vals, strict=True)):
        chosen = [j + 1 for j, (ka, kb) in enumerate(zip(a_vals, b_vals, strict=True))
                  if None not in (qa, qb, ka, kb) and ka == qa and kb != qb]
        row = p[i + 1]
        share = 1 / (len(chosen) + bos_weight * 2 - 1) if chosen else 0.0
        if chosen:  # width: BOS ties (1/(w+1) each); aggregate: BOS gets only the leak
            np.testing.assert_allclose(row[chosen], share if bos_weight == 1 else 1 / len(chosen),
                                       rtol=0, atol=1e-12)
        else:
            assert row[0] > 1 - 1e-12
    assert p[0, 0] > 1 - 1e-12


def test_numerical_eq_key_head_mirrors_the_query_head():
    # one-hot query values (indices), keys holding t and t^2 (a rank); default where no t = q.
    queries, ranks = [0, 1, 2, 3, 4], [2, 0, 5, 1, 2]
    rows = []
    for t, (q, r) in enumerate(zip(queries, ranks, strict=True)):
        rows.append({BasisDirection("indices", q): 1.0, OUT: float(r), SQUARE: float(r * r),
                     BasisDirection("v"): 10.0 + t})
    c = attention.default_coldness(len(rows))
    ov = attention.value_map(V, V_OUT, numerical=True)
    head = numerical_eq_attention.numerical_eq_key_head(KEYS, OUT, SQUARE, ov, ONE, BOS, c, 0.5)
    p = head.pattern(stream(HEAD_SPACE, rows))
    for i, q in enumerate(queries):
        chosen = [j + 1 for j, r in enumerate(ranks) if r == q]
        if chosen:
            np.testing.assert_allclose(p[i + 1, chosen], 1 / len(chosen), rtol=0, atol=1e-12)
        else:
            assert p[i + 1, 0] > 1 - 1e-12
    assert p[0, 0] > 1 - 1e-12
