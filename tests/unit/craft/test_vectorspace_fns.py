"""Linear maps and bilinear forms between named spaces."""

from __future__ import annotations

import numpy as np
import pytest

from tracr.craft.bases import BasisDirection, BasisError, VectorInBasis, VectorSpaceWithBasis
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear, project

A, B, C = BasisDirection("a"), BasisDirection("b"), BasisDirection("c")
X1, X2 = BasisDirection("x", 1), BasisDirection("x", 2)


def sp(*dirs: BasisDirection) -> VectorSpaceWithBasis:
    return VectorSpaceWithBasis(dirs)


def vec(coords: dict[BasisDirection, float]) -> VectorInBasis:
    s = sp(*coords)
    return VectorInBasis(s.basis, np.array([coords[d] for d in s.basis]))


def test_linear_shape_must_match_the_spaces():
    with pytest.raises(
        BasisError, match=r"^matrix of shape \(3, 2\) for spaces of shape \(2, 1\)$"
    ):
        Linear(sp(A, B), sp(C), np.zeros((3, 2)))


def test_linear_reads_its_input_space_out_of_a_larger_vector():
    f = Linear(sp(A, B), sp(C, X1), np.array([[1.0, 2.0], [3.0, 4.0]]))  # rows a, b
    x = vec({A: 1.0, B: 10.0, X2: 100.0})  # x:2 is outside the input space: ignored
    y = f(x)
    assert y.basis_directions == sp(C, X1).basis
    assert y.magnitudes.tolist() == [31.0, 42.0]


def test_linear_keeps_leading_axes():
    f = Linear(sp(A), sp(B), np.array([[2.0]]))
    x = VectorInBasis(sp(A).basis, np.arange(6.0).reshape(2, 3, 1))
    assert f(x).magnitudes.shape == (2, 3, 1)
    assert f(x).magnitudes.ravel().tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


def test_from_action():
    out = sp(X1, X2, C)

    def action(d: BasisDirection) -> VectorInBasis | None:
        if d == A:
            return vec({X1: 1.0, X2: -1.0})
        if d == B:
            return None  # zero
        return vec({C: 5.0})

    f = Linear.from_action(sp(A, B, C), out, action)
    # rows a, b, c; columns c, x:1, x:2
    assert f.matrix.tolist() == [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0], [5.0, 0.0, 0.0]]


def test_from_entries_accumulates_repeated_pairs():
    f = Linear.from_entries(sp(A, B), sp(C), {(A, C): 2.0, (B, C): -1.0})
    assert f.matrix.tolist() == [[2.0], [-1.0]]


def test_from_entries_with_a_direction_outside_the_spaces():
    with pytest.raises(BasisError, match=r"^x:2 is not in this space$"):
        Linear.from_entries(sp(A), sp(C), {(X2, C): 1.0})
    with pytest.raises(BasisError, match=r"^x:1 is not in this space$"):
        ScalarBilinear.from_entries(sp(A), sp(C), {(A, X1): 1.0})


def test_combine_in_parallel_is_the_sum_on_the_joined_spaces():
    f = Linear.from_entries(sp(A, B), sp(X1), {(A, X1): 1.0, (B, X1): 2.0})
    g = Linear.from_entries(sp(B, C), sp(X1, X2), {(B, X1): 10.0, (C, X2): 3.0})
    h = Linear.combine_in_parallel([f, g])
    assert h.input_space == sp(A, B, C)
    assert h.output_space == sp(X1, X2)
    x = vec({A: 1.0, B: 2.0, C: 4.0})
    want = f(x).project(h.output_space) + g(x).project(h.output_space)
    assert h(x) == want
    assert h(x).magnitudes.tolist() == [25.0, 12.0]


def test_project_between_spaces():
    p = project(sp(A, B, X1), sp(B, X1, X2))
    assert p.matrix.tolist() == [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert p(vec({A: 1.0, B: 2.0, X1: 3.0})).magnitudes.tolist() == [2.0, 3.0, 0.0]


def test_bilinear_scores_every_pair_of_rows():
    form = ScalarBilinear.from_entries(sp(A, B), sp(C), {(A, C): 2.0, (B, C): -1.0})
    s = sp(A, B, C)
    x = VectorInBasis(s.basis, np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 3.0], [1.0, 1.0, 0.0]]))
    scores = form(x, x)  # [T_q, T_k] = x_l M x_r^T
    xl, xr = x.magnitudes[:, :2], x.magnitudes[:, 2:]
    assert scores.shape == (3, 3)
    np.testing.assert_array_equal(scores, xl @ form.matrix @ xr.T)
    assert scores[1].tolist() == [-1.0, -3.0, 0.0]


def test_bilinear_shape_must_match_the_spaces():
    with pytest.raises(
        BasisError, match=r"^matrix of shape \(1, 1\) for spaces of shape \(2, 1\)$"
    ):
        ScalarBilinear(sp(A, B), sp(C), np.zeros((1, 1)))
