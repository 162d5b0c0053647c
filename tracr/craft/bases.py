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
from collections.abc import Hashable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from tracr.errors import TracrError


class BasisError(TracrError, ValueError):
    """Spaces overlap where they must not, or do not match where they must."""


_DIGITS = re.compile(r"(\d+)")

# The reference's type aliases: a direction's name, and the value of a one-hot direction.
Name = int | str
Value = int | float | bool | str | tuple | None


class Basis(tuple):
    """Directions in sorted order: a tuple (hashable, immutable) that also equals the list
    of the same directions and concatenates with lists, as the reference's list bases did."""

    __hash__ = tuple.__hash__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return list(self) == other
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __add__(self, other: Any) -> Any:
        if isinstance(other, list):
            return list(self) + other
        return tuple.__add__(self, other)

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, list):
            return other + list(self)
        return NotImplemented


class DirectionSet(frozenset):
    """The set of a basis's directions; also callable (``basis_set()`` returns itself), so
    code that reads it as a property and code that calls it as a method both work."""

    def __call__(self) -> DirectionSet:
        return self


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
        object.__setattr__(self, "basis", Basis(ordered))
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

    def __contains__(self, item: BasisDirection | VectorInBasis) -> bool:
        """A direction of this space, or a vector all of whose directions are in it."""
        if isinstance(item, VectorInBasis):
            return all(d in self._index for d in item.basis_directions)
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

    @property
    def index_by_direction(self) -> Mapping[BasisDirection, int]:
        """Each direction's position in ``basis`` (read-only)."""
        return MappingProxyType(self._index)

    @property
    def basis_set(self) -> DirectionSet:
        return DirectionSet(self.basis)

    def basis_vectors(self) -> list[VectorInBasis]:
        """The unit vector of each direction, in basis order."""
        return [self.vector_from_basis_direction(d) for d in self.basis]

    def make_vector(
        self, magnitudes: Mapping[BasisDirection, float] | Sequence[float] | np.ndarray
    ) -> VectorInBasis:
        """A vector of this space from ``{direction: magnitude}`` (others zero) or from
        magnitudes ``[..., num_dims]`` in basis order."""
        if isinstance(magnitudes, Mapping):
            out = np.zeros(self.num_dims)
            for direction, magnitude in magnitudes.items():
                out[self.index(direction)] = magnitude
            return VectorInBasis(self.basis, out)
        return VectorInBasis(self.basis, np.asarray(magnitudes, dtype=float))

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


def ensure_dims(space: VectorSpaceWithBasis, num_dims: int, name: str) -> None:
    """Raise ``BasisError`` (a ValueError) unless ``space`` has exactly ``num_dims`` dims."""
    if space.num_dims != num_dims:
        raise BasisError(
            f"{name} must have {num_dims} dimension(s), but has {space.num_dims}: {space.labels}"
        )


def join_vector_spaces(*spaces: VectorSpaceWithBasis) -> VectorSpaceWithBasis:
    """The smallest space containing all given spaces (overlap allowed)."""
    return VectorSpaceWithBasis(tuple({d for s in spaces for d in s.basis}))


@dataclasses.dataclass
class VectorInBasis:
    """Magnitudes ``[..., d]`` over ``basis_directions``, which are kept sorted (the
    magnitudes are reordered with them, so any order may be given)."""

    basis_directions: Sequence[BasisDirection]
    magnitudes: np.ndarray

    def __post_init__(self):
        directions = tuple(self.basis_directions)
        self.magnitudes = np.asarray(self.magnitudes, dtype=float)
        got = self.magnitudes.shape[-1] if self.magnitudes.ndim else "a scalar, not"
        if got != len(directions):
            raise BasisError(f"{got} magnitudes for {len(directions)} basis directions")
        keys = [d.sort_key() for d in directions]
        if any(a > b for a, b in zip(keys, keys[1:], strict=False)):
            order = sorted(range(len(directions)), key=keys.__getitem__)
            directions = tuple(directions[i] for i in order)
            self.magnitudes = np.take(self.magnitudes, order, axis=-1)
        self.basis_directions = Basis(directions)

    @property
    def space(self) -> VectorSpaceWithBasis:
        return VectorSpaceWithBasis(self.basis_directions)

    @property
    def index_by_direction(self) -> Mapping[BasisDirection, int]:
        """Each direction's position on the last axis of ``magnitudes``."""
        return MappingProxyType({d: i for i, d in enumerate(self.basis_directions)})

    @property
    def basis_set(self) -> DirectionSet:
        return DirectionSet(self.basis_directions)

    def _check_same(self, other: VectorInBasis) -> None:
        if self.basis_directions != other.basis_directions:
            raise BasisError("vectors are in different bases")

    def __add__(self, other: VectorInBasis) -> VectorInBasis:
        self._check_same(other)
        return VectorInBasis(self.basis_directions, self.magnitudes + other.magnitudes)

    def __radd__(self, other: Any) -> VectorInBasis:
        if isinstance(other, int | float) and other == 0:  # so that sum(vectors) works
            return self
        return NotImplemented

    def __sub__(self, other: VectorInBasis) -> VectorInBasis:
        self._check_same(other)
        return VectorInBasis(self.basis_directions, self.magnitudes - other.magnitudes)

    def __mul__(self, scalar: float) -> VectorInBasis:
        return VectorInBasis(self.basis_directions, self.magnitudes * scalar)

    __rmul__ = __mul__

    def __neg__(self) -> VectorInBasis:
        return VectorInBasis(self.basis_directions, -self.magnitudes)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, VectorInBasis)
            and self.basis_directions == other.basis_directions
            and np.array_equal(self.magnitudes, other.magnitudes)
        )

    def copy_with_new_magnitudes(self, magnitudes: np.ndarray) -> VectorInBasis:
        """The same directions with other magnitudes (of the same last dimension)."""
        return VectorInBasis(self.basis_directions, magnitudes)

    def add_directions(self, basis_directions: Iterable[BasisDirection]) -> VectorInBasis:
        """This vector in a larger basis: the new directions get magnitude zero."""
        new = [d for d in dict.fromkeys(basis_directions) if d not in self.index_by_direction]
        zeros = np.zeros(self.magnitudes.shape[:-1] + (len(new),))
        return VectorInBasis(
            self.basis_directions + tuple(new), np.concatenate([self.magnitudes, zeros], -1)
        )

    def project(
        self, space: VectorSpaceWithBasis | Sequence[BasisDirection]
    ) -> VectorInBasis:
        """Coordinates in ``space`` (a space or a list of directions); directions of
        ``space`` absent here read as zero, directions absent there are dropped."""
        if not isinstance(space, VectorSpaceWithBasis):
            space = VectorSpaceWithBasis(tuple(space))
        own = {d: i for i, d in enumerate(self.basis_directions)}
        out = np.zeros(self.magnitudes.shape[:-1] + (space.num_dims,))
        for j, d in enumerate(space.basis):
            if d in own:
                out[..., j] = self.magnitudes[..., own[d]]
        return VectorInBasis(space.basis, out)

    @classmethod
    def sum(cls, vectors: Sequence[VectorInBasis]) -> VectorInBasis:
        """The sum of vectors in one basis."""
        for v in vectors[1:]:
            vectors[0]._check_same(v)
        return cls(vectors[0].basis_directions, np.sum([v.magnitudes for v in vectors], 0))

    @classmethod
    def stack(cls, vectors: Sequence[VectorInBasis]) -> VectorInBasis:
        """Vectors in one basis stacked on a new leading axis (``[n, ..., d]``)."""
        for v in vectors[1:]:
            vectors[0]._check_same(v)
        return cls(vectors[0].basis_directions, np.stack([v.magnitudes for v in vectors]))
