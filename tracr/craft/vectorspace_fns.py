"""Linear maps and bilinear forms between vector spaces with named bases."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from tracr.craft.bases import (
    BasisDirection,
    BasisError,
    VectorInBasis,
    VectorSpaceWithBasis,
    join_vector_spaces,
)


class VectorFunction(abc.ABC):
    """A function from ``input_space`` to ``output_space`` (the reference's base class)."""

    input_space: VectorSpaceWithBasis
    output_space: VectorSpaceWithBasis

    @abc.abstractmethod
    def __call__(self, x: VectorInBasis) -> VectorInBasis:
        """The image of ``x`` (whose directions outside ``input_space`` are ignored)."""


@dataclasses.dataclass
class Linear(VectorFunction):
    """A linear map ``x -> x @ matrix`` from ``input_space`` to ``output_space``."""

    input_space: VectorSpaceWithBasis
    output_space: VectorSpaceWithBasis
    matrix: np.ndarray  # [d_in, d_out]

    def __post_init__(self):
        self.matrix = np.asarray(self.matrix, dtype=float)
        want = (self.input_space.num_dims, self.output_space.num_dims)
        if self.matrix.shape != want:
            raise BasisError(f"matrix of shape {self.matrix.shape} for spaces of shape {want}")

    def __call__(self, x: VectorInBasis) -> VectorInBasis:
        coords = x.project(self.input_space).magnitudes
        return VectorInBasis(self.output_space.basis, coords @ self.matrix)

    @classmethod
    def from_action(
        cls,
        input_space: VectorSpaceWithBasis,
        output_space: VectorSpaceWithBasis,
        action: Callable[[BasisDirection], VectorInBasis | None],
    ) -> Linear:
        """Build the map from its value on each input direction (None means zero)."""
        matrix = np.zeros((input_space.num_dims, output_space.num_dims))
        for i, direction in enumerate(input_space.basis):
            image = action(direction)
            if image is not None:
                matrix[i] = image.project(output_space).magnitudes
        return cls(input_space, output_space, matrix)

    @classmethod
    def from_entries(
        cls,
        input_space: VectorSpaceWithBasis,
        output_space: VectorSpaceWithBasis,
        entries: dict[tuple[BasisDirection, BasisDirection], float],
    ) -> Linear:
        """Build the map from (input direction, output direction) -> coefficient."""
        matrix = np.zeros((input_space.num_dims, output_space.num_dims))
        for (d_in, d_out), value in entries.items():
            matrix[input_space.index(d_in), output_space.index(d_out)] += value
        return cls(input_space, output_space, matrix)

    @classmethod
    def combine_in_parallel(cls, fns: Sequence[Linear]) -> Linear:
        """The sum of maps, each acting on its own input space, on the joined spaces."""
        in_space = join_vector_spaces(*(f.input_space for f in fns))
        out_space = join_vector_spaces(*(f.output_space for f in fns))
        matrix = np.zeros((in_space.num_dims, out_space.num_dims))
        for f in fns:
            rows = [in_space.index(d) for d in f.input_space.basis]
            cols = [out_space.index(d) for d in f.output_space.basis]
            matrix[np.ix_(rows, cols)] += f.matrix
        return cls(in_space, out_space, matrix)


def project(from_space: VectorSpaceWithBasis, to_space: VectorSpaceWithBasis) -> Linear:
    """Keep the coordinates ``to_space`` shares with ``from_space``, drop the others."""
    matrix = np.zeros((from_space.num_dims, to_space.num_dims))
    for i, d in enumerate(from_space.basis):
        if d in to_space:
            matrix[i, to_space.index(d)] = 1.0
    return Linear(from_space, to_space, matrix)


@dataclasses.dataclass
class ScalarBilinear:
    """A bilinear form ``(x, y) -> x @ matrix @ y``: the attention score of a head."""

    left_space: VectorSpaceWithBasis
    right_space: VectorSpaceWithBasis
    matrix: np.ndarray  # [d_left, d_right]

    def __post_init__(self):
        self.matrix = np.asarray(self.matrix, dtype=float)
        want = (self.left_space.num_dims, self.right_space.num_dims)
        if self.matrix.shape != want:
            raise BasisError(f"matrix of shape {self.matrix.shape} for spaces of shape {want}")

    def __call__(self, x: VectorInBasis, y: VectorInBasis) -> np.ndarray | float:
        """``x @ matrix @ y`` for two vectors (a float), or the scores ``[..., T_x, T_y]``
        between every row of x and every row of y."""
        xl = x.project(self.left_space).magnitudes
        yr = y.project(self.right_space).magnitudes
        if xl.ndim == 1 and yr.ndim == 1:
            return float(xl @ self.matrix @ yr)
        return xl @ self.matrix @ np.swapaxes(np.atleast_2d(yr), -1, -2)

    @classmethod
    def from_action(
        cls,
        left_space: VectorSpaceWithBasis,
        right_space: VectorSpaceWithBasis,
        action: Callable[[BasisDirection, BasisDirection], float],
    ) -> ScalarBilinear:
        """Build the form from its value ``action(left, right)`` on each pair of directions."""
        matrix = np.zeros((left_space.num_dims, right_space.num_dims))
        for i, left in enumerate(left_space.basis):
            for j, right in enumerate(right_space.basis):
                matrix[i, j] = action(left, right)
        return cls(left_space, right_space, matrix)

    @classmethod
    def from_entries(
        cls,
        left_space: VectorSpaceWithBasis,
        right_space: VectorSpaceWithBasis,
        entries: dict[tuple[BasisDirection, BasisDirection], float],
    ) -> ScalarBilinear:
        matrix = np.zeros((left_space.num_dims, right_space.num_dims))
        for (d_left, d_right), value in entries.items():
            matrix[left_space.index(d_left), right_space.index(d_right)] += value
        return cls(left_space, right_space, matrix)
