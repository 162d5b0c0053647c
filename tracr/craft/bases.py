"""Vector spaces with named bases: the residual stream as a direct sum of labelled directions.

A ``BasisDirection`` is a name plus an optional value (``tokens:3``, ``indices:0``, ``one``).
A ``VectorSpaceWithBasis`` keeps its directions in one fixed sorted order, so two spaces built
from the same directions are equal and matrices between them have a stable layout.
``VectorInBasis`` holds magnitudes with any leading axes (positions, batch) and the basis on
the last axis.
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from tracr.errors import TracrError


class BasisError(TracrError, ValueError):
    """Spaces overlap where they must not, or do not match where they must."""


_DIGITS = re.compile(r"(\d+)")


def value_sort_key(value: Any) -> tuple:
    """A total order over values of mixed types: None, then numbers, then everything else."""
    if value is None:
        return (0, 0, "")
    if isinstance(value, numbers.Real):  # numpy scalars too, not only int/float
        return (1, value, "")
    return (2, 0, f"{type(value).__name__}:{value!r}")


def name_sort_key(name: str) -> tuple:
    """Names in natural order: ``map_9`` before ``map_10``, so the residual layout follows
    the expressions' creation order rather than how many digits their ids have."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(name))


@dataclasses.dataclass(frozen=True)
class BasisDirection:
    """One named direction; ``value`` distinguishes the one-hot directions of a categorical."""

    name: str
    value: Hashable | None = None

    def sort_key(self) -> tuple:
        return (name_sort_key(self.name), value_sort_key(self.value))

    def __lt__(self, other: BasisDirection) -> bool:
        return self.sort_key() < other.sort_key()

    @property
    def label(self) -> str:
        return self.name if self.value is None else f"{self.name}:{self.value}"

    def __repr__(self) -> str:
        return f"BasisDirection({self.label})"


@dataclasses.dataclass(frozen=True)
class VectorSpaceWithBasis:
    """A space spanned by distinct directions, held in sorted order."""

    basis: tuple[BasisDirection, ...]

    def __post_init__(self):
        ordered = tuple(sorted(self.basis, key=BasisDirection.sort_key))
        if len(set(ordered)) != len(ordered):
            dup = [d.label for d in ordered if ordered.count(d) > 1]
            raise BasisError(f"a basis lists directions more than once: {sorted(set(dup))}")
        object.__setattr__(self, "basis", ordered)
        object.__setattr__(self, "_index", {d: i for i, d in enumerate(ordered)})

    @classmethod
    def from_names(cls, names: Iterable[str]) -> VectorSpaceWithBasis:
        return cls(tuple(BasisDirection(n) for n in names))

    @classmethod
    def from_values(cls, name: str, values: Iterable[Hashable]) -> VectorSpaceWithBasis:
        return cls(tuple(BasisDirection(name, v) for v in values))

    @property
    def num_dims(self) -> int:
        return len(self.basis)

    def __len__(self) -> int:
        return len(self.basis)

    def __contains__(self, item: BasisDirection) -> bool:
        return item in self._index

    def __iter__(self):
        return iter(self.basis)

    def index(self, direction: BasisDirection) -> int:
        try:
            return self._index[direction]
        except KeyError:
            raise BasisError(f"{direction.label} is not in this space") from None

    def issubspace(self, other: VectorSpaceWithBasis) -> bool:
        return all(d in other for d in self.basis)

    def vector_from_basis_direction(self, direction: BasisDirection) -> VectorInBasis:
        mags = np.zeros(self.num_dims)
        mags[self.index(direction)] = 1.0
        return VectorInBasis(self.basis, mags)

    def null_vector(self) -> VectorInBasis:
        return VectorInBasis(self.basis, np.zeros(self.num_dims))

    @property
    def labels(self) -> list[str]:
        return [d.label for d in self.basis]


def direct_sum(*spaces: VectorSpaceWithBasis) -> VectorSpaceWithBasis:
    """The sum of spaces that share no direction (overlap is an error)."""
    seen: set[BasisDirection] = set()
    for space in spaces:
        overlap = seen.intersection(space.basis)
        if overlap:
            labels = sorted(d.label for d in overlap)
            raise BasisError(f"direct sum of overlapping spaces; shared directions: {labels}")
        seen.update(space.basis)
    return VectorSpaceWithBasis(tuple(seen))


def join_vector_spaces(*spaces: VectorSpaceWithBasis) -> VectorSpaceWithBasis:
    """The smallest space containing all given spaces (overlap allowed)."""
    return VectorSpaceWithBasis(tuple({d for s in spaces for d in s.basis}))


@dataclasses.dataclass
class VectorInBasis:
    """Magnitudes ``[..., d]`` over ``basis_directions`` (sorted)."""

    basis_directions: Sequence[BasisDirection]
    magnitudes: np.ndarray

    def __post_init__(self):
        self.basis_directions = tuple(self.basis_directions)
        self.magnitudes = np.asarray(self.magnitudes, dtype=float)
        if self.magnitudes.shape[-1] != len(self.basis_directions):
            raise BasisError(
                f"{self.magnitudes.shape[-1]} magnitudes for "
                f"{len(self.basis_directions)} basis directions"
            )

    @property
    def space(self) -> VectorSpaceWithBasis:
        return VectorSpaceWithBasis(self.basis_directions)

    def _check_same(self, other: VectorInBasis) -> None:
        if self.basis_directions != other.basis_directions:
            raise BasisError("vectors are in different bases")

    def __add__(self, other: VectorInBasis) -> VectorInBasis:
        self._check_same(other)
        return VectorInBasis(self.basis_directions, self.magnitudes + other.magnitudes)

    def __sub__(self, other: VectorInBasis) -> VectorInBasis:
        self._check_same(other)
        return VectorInBasis(self.basis_directions, self.magnitudes - other.magnitudes)

    def __mul__(self, scalar: float) -> VectorInBasis:
        return VectorInBasis(self.basis_directions, self.magnitudes * scalar)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, VectorInBasis)
            and self.basis_directions == other.basis_directions
            and np.array_equal(self.magnitudes, other.magnitudes)
        )

    def project(self, space: VectorSpaceWithBasis) -> VectorInBasis:
        """Coordinates in ``space``; directions of ``space`` absent here read as zero."""
        own = {d: i for i, d in enumerate(self.basis_directions)}
        out = np.zeros(self.magnitudes.shape[:-1] + (space.num_dims,))
        for j, d in enumerate(space.basis):
            if d in own:
                out[..., j] = self.magnitudes[..., own[d]]
        return VectorInBasis(space.basis, out)

    @classmethod
    def stack(cls, vectors: Sequence[VectorInBasis]) -> VectorInBasis:
        for v in vectors[1:]:
            vectors[0]._check_same(v)
        return cls(vectors[0].basis_directions, np.stack([v.magnitudes for v in vectors]))
