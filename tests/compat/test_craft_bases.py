"""The reference's ``tracr.craft.bases`` and ``vectorspace_fns`` surface (SPEC 2b)."""

from __future__ import annotations

import numpy as np
import pytest

from tracr.craft import bases, vectorspace_fns

D = bases.BasisDirection
A, B, C = D("a"), D("b"), D("c")


def test_basis_direction_has_a_name_and_an_optional_value():
    assert D("tokens", 3) == D("tokens", 3) != D("tokens", 4)
    assert D("one").value is None
    assert D("x", 1) < D("x", 2) < D("y")
    assert {D("x", 1), D("x", 1)} == {D("x", 1)}


def test_space_from_names_and_from_values():
    space = bases.VectorSpaceWithBasis.from_names(["b", "a"])
    assert list(space.basis) == [A, B]  # kept sorted
    assert space.num_dims == 2
    values = bases.VectorSpaceWithBasis.from_values("t", [2, 0, 1])
    assert list(values.basis) == [D("t", 0), D("t", 1), D("t", 2)]
    assert bases.VectorSpaceWithBasis([B, A]) == space  # built from a list


def test_space_membership_and_subspaces():
    space = bases.VectorSpaceWithBasis([A, B])
    assert A in space and C not in space
    assert bases.VectorSpaceWithBasis([A]).issubspace(space)
    assert not space.issubspace(bases.VectorSpaceWithBasis([A]))
    assert space.basis_set == {A, B}
    assert space.index_by_direction[B] == 1
    assert space.vector_from_basis_direction(B) in space
    assert bases.VectorSpaceWithBasis([C]).null_vector() not in space


def test_basis_vectors_and_make_vector():
    space = bases.VectorSpaceWithBasis([A, B])
    units = space.basis_vectors()
    assert [u.magnitudes.tolist() for u in units] == [[1, 0], [0, 1]]
    assert space.make_vector({B: 3.0}).magnitudes.tolist() == [0, 3]
    assert space.make_vector([1, 2]) == bases.VectorInBasis([A, B], np.array([1.0, 2.0]))
    assert space.null_vector().magnitudes.tolist() == [0, 0]


def test_bases_compare_and_concatenate_like_the_references_lists():
    space = bases.VectorSpaceWithBasis([B, A])
    assert space.basis == [A, B] and space.basis != [B, A]
    assert space.basis + [C] == [A, B, C] and [C] + space.basis == [C, A, B]
    assert sum([space.basis, [C]], []) == [A, B, C]
    assert bases.VectorInBasis([B, A], np.zeros(2)).basis_directions == [A, B]
    assert hash(space) == hash(bases.VectorSpaceWithBasis([A, B]))  # still a frozen value


def test_vector_sorts_its_directions_with_its_magnitudes():
    v = bases.VectorInBasis([B, A], np.array([2.0, 1.0]))
    assert list(v.basis_directions) == [A, B]
    assert v.magnitudes.tolist() == [1.0, 2.0]
    assert v == bases.VectorInBasis([A, B], np.array([1.0, 2.0]))
    assert v.basis_set == {A, B} and v.index_by_direction[B] == 1


def test_vector_arithmetic():
    x = bases.VectorInBasis([A, B], np.array([1.0, 2.0]))
    y = bases.VectorInBasis([A, B], np.array([10.0, 20.0]))
    assert (x + y).magnitudes.tolist() == [11, 22]
    assert (y - x).magnitudes.tolist() == [9, 18]
    assert (3 * x).magnitudes.tolist() == (x * 3).magnitudes.tolist() == [3, 6]
    assert (-x).magnitudes.tolist() == [-1, -2]
    assert bases.VectorInBasis.sum([x, y, x]).magnitudes.tolist() == [12, 24]
    assert sum([x, y]).magnitudes.tolist() == [11, 22]
    assert bases.VectorInBasis.stack([x, y]).magnitudes.tolist() == [[1, 2], [10, 20]]


def test_vectors_in_different_bases_do_not_add():
    with pytest.raises(ValueError, match="vectors are in different bases"):
        _ = bases.VectorInBasis([A], np.ones(1)) + bases.VectorInBasis([B], np.ones(1))


def test_project_add_directions_and_new_magnitudes():
    v = bases.VectorInBasis([A, B], np.array([1.0, 2.0]))
    assert v.project(bases.VectorSpaceWithBasis([B, C])).magnitudes.tolist() == [2, 0]
    assert v.project([C, A]).magnitudes.tolist() == [1, 0]  # a list of directions works too
    wide = v.add_directions([C, A])
    assert list(wide.basis_directions) == [A, B, C] and wide.magnitudes.tolist() == [1, 2, 0]
    fresh = v.copy_with_new_magnitudes(np.array([5.0, 6.0]))
    assert list(fresh.basis_directions) == [A, B] and fresh.magnitudes.tolist() == [5, 6]


def test_direct_sum_refuses_overlap_and_join_allows_it():
    sa, sab = bases.VectorSpaceWithBasis([A]), bases.VectorSpaceWithBasis([A, B])
    assert list(bases.direct_sum(sa, bases.VectorSpaceWithBasis([C])).basis) == [A, C]
    with pytest.raises(ValueError, match="overlapping"):
        bases.direct_sum(sa, sab)
    assert list(bases.join_vector_spaces(sa, sab).basis) == [A, B]


def test_ensure_dims_checks_the_number_of_dimensions():
    assert bases.ensure_dims(bases.VectorSpaceWithBasis([A]), 1, "bos_space") is None
    with pytest.raises(ValueError, match=r"bos_space must have 1 dimension\(s\), but has 2"):
        bases.ensure_dims(bases.VectorSpaceWithBasis([A, B]), 1, "bos_space")


def test_type_aliases():
    assert isinstance("tokens", bases.Name) and isinstance(3, bases.Name)
    assert isinstance((1, 2), bases.Value)


# --- vectorspace_fns ---


def test_linear_maps_vectors_by_its_matrix():
    fn = vectorspace_fns.Linear(
        bases.VectorSpaceWithBasis([A, B]), bases.VectorSpaceWithBasis([C]),
        np.array([[2.0], [3.0]]),
    )  # fmt: skip
    assert isinstance(fn, vectorspace_fns.VectorFunction)
    out = fn(bases.VectorInBasis([A, B], np.array([1.0, 10.0])))
    assert list(out.basis_directions) == [C] and out.magnitudes.tolist() == [32.0]


def test_linear_from_action_and_combine_in_parallel():
    space_ab, space_c = bases.VectorSpaceWithBasis([A, B]), bases.VectorSpaceWithBasis([C])
    double = vectorspace_fns.Linear.from_action(
        space_ab, space_c, lambda d: space_c.vector_from_basis_direction(C) * (2 if d == A else 0)
    )
    assert double.matrix.tolist() == [[2.0], [0.0]]
    copy_b = vectorspace_fns.Linear.from_action(
        bases.VectorSpaceWithBasis([B]), bases.VectorSpaceWithBasis([B]),
        lambda d: bases.VectorSpaceWithBasis([B]).vector_from_basis_direction(d),
    )  # fmt: skip
    both = vectorspace_fns.Linear.combine_in_parallel([double, copy_b])
    x = bases.VectorInBasis([A, B], np.array([1.0, 5.0]))
    assert both(x).project([B, C]).magnitudes.tolist() == [5.0, 2.0]


def test_project_keeps_shared_directions():
    fn = vectorspace_fns.project(
        bases.VectorSpaceWithBasis([A, B]), bases.VectorSpaceWithBasis([B, C])
    )
    assert fn.matrix.tolist() == [[0, 0], [1, 0]]
    assert fn(bases.VectorInBasis([A, B], np.array([1.0, 2.0]))).magnitudes.tolist() == [2, 0]


def test_scalar_bilinear_from_action_gives_x_m_y():
    left, right = bases.VectorSpaceWithBasis([A, B]), bases.VectorSpaceWithBasis([C])
    form = vectorspace_fns.ScalarBilinear.from_action(
        left, right, lambda x, y: 4.0 if x == B else 1.0
    )
    assert form.matrix.tolist() == [[1.0], [4.0]]
    x = bases.VectorInBasis([A, B], np.array([1.0, 2.0]))
    y = bases.VectorInBasis([C], np.array([3.0]))
    assert form(x, y) == pytest.approx((1 * 1 + 2 * 4) * 3)
