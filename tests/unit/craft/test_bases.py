"""Basis directions, vector spaces with sorted bases, direct sums, joins and vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tracr.craft.bases import (
    BasisDirection,
    BasisError,
    VectorInBasis,
    VectorSpaceWithBasis,
    direct_sum,
    join_vector_spaces,
    value_sort_key,
)
from tracr.errors import TracrError


def space(*labels: str) -> VectorSpaceWithBasis:
    """``space("a", "x:1")``: directions from labels (an int value after the colon)."""
    dirs = []
    for label in labels:
        name, _, value = label.partition(":")
        dirs.append(BasisDirection(name, int(value)) if value else BasisDirection(name))
    return VectorSpaceWithBasis(tuple(dirs))


# --- directions and their order ------------------------------------------------------------


def test_direction_label_and_repr():
    assert BasisDirection("one").label == "one"
    assert BasisDirection("frac_prevs_12", 0.5).label == "frac_prevs_12:0.5"
    assert repr(BasisDirection("tokens", "BOS")) == "BasisDirection(tokens:BOS)"


def test_directions_are_values():
    assert BasisDirection("x", 1) == BasisDirection("x", 1)
    assert hash(BasisDirection("x", 1)) == hash(BasisDirection("x", 1))
    assert BasisDirection("x", 1) != BasisDirection("y", 1)
    assert BasisDirection("x") != BasisDirection("x", 0)


def test_sorting_by_name_then_value():
    dirs = [
        BasisDirection("b", 0),
        BasisDirection("a", 2),
        BasisDirection("a"),
        BasisDirection("a", 1),
    ]
    assert [d.label for d in sorted(dirs)] == ["a", "a:1", "a:2", "b:0"]


def test_sorting_mixed_value_types():
    # None first, then numbers (ints and floats interleaved numerically), then everything
    # else grouped by type name; no TypeError from comparing a str with an int.
    values = ["b", 2, None, 1.5, "a", True, (1, "x"), -3, 0.25]
    ordered = sorted(values, key=value_sort_key)
    assert ordered[:6] == [None, -3, 0.25, True, 1.5, 2]
    assert ordered[6:] == ["a", "b", (1, "x")]  # str before tuple (by type name)
    got = VectorSpaceWithBasis.from_values("x", values).basis
    assert [d.value for d in got] == ordered


def test_numbers_sort_numerically_whatever_their_type():
    # Regression: numpy integers are not ``int``; they used to sort as strings, putting
    # ``x:10`` before ``x:9`` and after every Python int.
    values = [np.int64(10), np.int64(9), 3, 2.5, np.float32(0.5)]
    got = VectorSpaceWithBasis.from_values("x", values)
    assert [float(d.value) for d in got.basis] == [0.5, 2.5, 3.0, 9.0, 10.0]
    assert got.labels == ["x:0.5", "x:2.5", "x:3", "x:9", "x:10"]


# --- spaces ----------------------------------------------------------------------------------


def test_space_keeps_a_fixed_sorted_order():
    a = space("x:2", "one", "x:1")
    b = space("one", "x:1", "x:2")
    assert a == b and hash(a) == hash(b)
    assert a.labels == ["one", "x:1", "x:2"]
    assert a.index(BasisDirection("x", 2)) == 2


def test_space_accessors():
    s = VectorSpaceWithBasis.from_values("x", [3, 1, 2])
    assert s.num_dims == len(s) == 3
    assert BasisDirection("x", 1) in s and BasisDirection("x", 4) not in s
    assert list(s) == [BasisDirection("x", v) for v in (1, 2, 3)]
    assert VectorSpaceWithBasis.from_names(["b", "a"]).labels == ["a", "b"]
    assert VectorSpaceWithBasis(()).num_dims == 0


def test_issubspace():
    assert space("x:1").issubspace(space("x:1", "x:2"))
    assert not space("x:1", "y").issubspace(space("x:1", "x:2"))
    assert VectorSpaceWithBasis(()).issubspace(space("y"))


def test_space_vectors():
    s = space("a", "b", "c")
    v = s.vector_from_basis_direction(BasisDirection("b"))
    assert v.basis_directions == s.basis
    assert v.magnitudes.tolist() == [0.0, 1.0, 0.0]
    assert s.null_vector().magnitudes.tolist() == [0.0, 0.0, 0.0]


def test_duplicate_directions_are_an_error():
    with pytest.raises(BasisError) as info:
        VectorSpaceWithBasis.from_values("x", [1, 2, 1, 3, 2])
    assert str(info.value) == "a basis lists directions more than once: ['x:1', 'x:2']"
    assert isinstance(info.value, TracrError) and isinstance(info.value, ValueError)


def test_index_of_a_missing_direction():
    with pytest.raises(BasisError, match=r"^x:7 is not in this space$"):
        space("x:1").index(BasisDirection("x", 7))
    with pytest.raises(BasisError, match=r"^y is not in this space$"):
        space("x:1").vector_from_basis_direction(BasisDirection("y"))


# --- direct sums and joins -----------------------------------------------------------------


def test_direct_sum_of_disjoint_spaces():
    got = direct_sum(space("x:2", "x:1"), space("one"), VectorSpaceWithBasis(()))
    assert got.labels == ["one", "x:1", "x:2"]
    assert direct_sum().num_dims == 0


def test_direct_sum_overlap_error_names_the_shared_directions():
    with pytest.raises(BasisError) as info:
        direct_sum(space("x:1", "x:2", "one"), space("y"), space("one", "x:2", "z"))
    assert str(info.value) == (
        "direct sum of overlapping spaces; shared directions: ['one', 'x:2']"
    )


def test_join_allows_overlap():
    got = join_vector_spaces(space("x:1", "one"), space("one", "x:2"), space("x:1"))
    assert got.labels == ["one", "x:1", "x:2"]
    assert join_vector_spaces().num_dims == 0


# --- vectors ---------------------------------------------------------------------------------


def test_vector_shape_must_match_its_basis():
    with pytest.raises(BasisError, match=r"^2 magnitudes for 3 basis directions$"):
        VectorInBasis(space("a", "b", "c").basis, np.zeros((4, 2)))


def test_vector_arithmetic():
    s = space("a", "b")
    x = VectorInBasis(s.basis, np.array([[1.0, 2.0], [3.0, 4.0]]))
    y = VectorInBasis(s.basis, np.array([[0.5, 0.5], [1.0, 1.0]]))
    assert (x + y).magnitudes.tolist() == [[1.5, 2.5], [4.0, 5.0]]
    assert (x - y).magnitudes.tolist() == [[0.5, 1.5], [2.0, 3.0]]
    assert (2 * x) == (x * 2) == x + x
    assert x != y and x != "x"
    assert x.space == s


def test_vectors_in_different_bases_do_not_add():
    x = space("a").null_vector()
    with pytest.raises(BasisError, match=r"^vectors are in different bases$"):
        _ = x + space("b").null_vector()
    with pytest.raises(BasisError, match=r"^vectors are in different bases$"):
        _ = x - space("a", "b").null_vector()
    with pytest.raises(BasisError, match=r"^vectors are in different bases$"):
        VectorInBasis.stack([x, space("b").null_vector()])


def test_project_keeps_shared_coordinates_and_zero_fills():
    x = VectorInBasis(space("a", "b", "c").basis, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    got = x.project(space("c", "a", "d"))
    assert got.basis_directions == space("a", "c", "d").basis
    assert got.magnitudes.tolist() == [[1.0, 3.0, 0.0], [4.0, 6.0, 0.0]]


def test_project_reads_an_unsorted_vector_by_direction():
    x = VectorInBasis((BasisDirection("b"), BasisDirection("a")), np.array([2.0, 1.0]))
    assert x.project(space("a", "b")).magnitudes.tolist() == [1.0, 2.0]


def test_stack_adds_a_leading_axis():
    s = space("a", "b")
    vs = [s.vector_from_basis_direction(d) for d in s.basis]
    got = VectorInBasis.stack(vs)
    assert got.magnitudes.shape == (2, 2)
    assert got.magnitudes.tolist() == [[1.0, 0.0], [0.0, 1.0]]
