"""An MLP for ``f(x, y)`` where at least one input is numerical and both take finitely many
values (``length * aggregate(...)``, ``(indices + 1) * mean``, ``c if flag else mean``).

Construction
------------
Read each input as one scalar: a numerical SOp is its own direction, ``s = x``; a
categorical SOp with values ``u_1 < ... < u_m`` (its basis order) is ``s = sum_k k e_{u_k}``,
so ``s = k`` at value ``u_k`` and ``s = 0`` where it is None (no direction set). Let ``X`` and
``Y`` be the finite sets of scalars and project the pair onto one line::

    w = s_x + lam * s_y,        lam = (max X - min X + g_X) / g_Y

with ``g_X``, ``g_Y`` the smallest gaps between neighbouring scalars (1 for a single value).
Then ``w`` orders the grid ``X x Y`` lexicographically by ``(s_y, s_x)`` and two distinct
grid points differ in ``w`` by at least ``g_X``: the map ``(x, y) -> w`` is injective on the
grid. ``f`` becomes a function of the single number ``w`` on a known finite set, which
``numerical_mlp.discretising_mlp`` computes exactly by discretisation (its module docstring
has the maths); its first layer reads ``w`` as the linear form above, so one MLP suffices.
Of the two orders (x first or y first) the one with the larger relative gap
``g / (max |w|)`` is used.

At BOS every SOp is zero, so ``w = 0``; the discretising MLP gates every unit with ``bos``
and writes zero there. Exactness needs the inputs' errors (attention averages carry about
``1e-13`` relative error in float64, ``1e-7`` in float32) to stay below a quarter of the
smallest gap of ``w``; ``pair_grid`` reports the relative gap so the caller can refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis
from tracr.craft.chamber import numerical_mlp
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear

_NONE = object()  # a categorical input with no direction set


@dataclass(frozen=True)
class Operand:
    """One input: its space, whether numerical, and the values it can hold."""

    space: VectorSpaceWithBasis
    numerical: bool
    values: Sequence[Hashable]

    def scalars(self) -> dict[float, object]:
        """scalar -> the value it stands for (``_NONE`` for a categorical None)."""
        if self.numerical:
            out: dict[float, object] = {}
            for v in self.values:
                out.setdefault(float(v), v)
            return out
        out = {0.0: _NONE}
        out.update({float(k + 1): d.value for k, d in enumerate(self.space.basis)})
        return out

    def weights(self, scale: float) -> dict[BasisDirection, float]:
        if self.numerical:
            return {self.space.basis[0]: scale}
        return {d: scale * (k + 1) for k, d in enumerate(self.space.basis)}


def _gap(points: list[float]) -> float:
    gaps = [b - a for a, b in zip(points, points[1:], strict=False)]
    return min(gaps) if gaps else 1.0


@dataclass(frozen=True)
class PairGrid:
    """The projection ``w = s_first + lam * s_second`` and the values at each grid point."""

    first: Operand
    second: Operand
    lam: float
    points: dict[float, tuple[object, object]]  # w -> (first value, second value)

    @property
    def relative_gap(self) -> float:
        ws = sorted(self.points)
        return _gap(ws) / max(1.0, max(abs(w) for w in ws))


def _grid(first: Operand, second: Operand) -> PairGrid | None:
    xs, ys = first.scalars(), second.scalars()
    sx, sy = sorted(xs), sorted(ys)
    lam = (sx[-1] - sx[0] + _gap(sx)) / _gap(sy)
    points = {x + lam * y: (xs[x], ys[y]) for x in sx for y in sy}
    if len(points) != len(sx) * len(sy):
        return None  # float rounding merged two points
    return PairGrid(first, second, lam, points)


def pair_grid(a: Operand, b: Operand) -> PairGrid | None:
    """The better of the two projection orders (None if rounding merges grid points)."""
    grids = [g for g in (_grid(a, b), _grid(b, a)) if g is not None]
    return max(grids, key=lambda g: g.relative_gap, default=None)


def pair_map_mlp(
    a: Operand,
    b: Operand,
    output_space: VectorSpaceWithBasis,
    f: Callable[[Hashable, Hashable], Hashable],
    one: BasisDirection,
    bos: BasisDirection,
    hidden_name: str,
    numerical_output: bool,
    exactness: float | None = None,
    label: str = "",
) -> MLP:
    """``out = f(a, b)`` (module docstring); ``f`` is called with ``a``'s value first.

    Where a categorical input is None the output is None (nothing written); a numerical
    output must then never meet None (validation checks that).
    """
    grid = pair_grid(a, b)
    if grid is None:
        raise ValueError(f"{label}: the value grid cannot be projected exactly")
    swapped = grid.first is not a

    def at(w: float) -> Hashable:
        u, v = grid.points[w]
        if u is _NONE or v is _NONE:
            return 0.0 if numerical_output else None
        return f(v, u) if swapped else f(u, v)

    w_dir = BasisDirection(f"{hidden_name}__w")
    inner = numerical_mlp.discretising_mlp(
        VectorSpaceWithBasis((w_dir,)), output_space, at, list(grid.points), one, bos,
        hidden_name, numerical_output, exactness, label=label,
    )
    return MLP(_read_w(inner.fst, w_dir, grid), inner.snd, label=label)


def _read_w(fst: Linear, w_dir: BasisDirection, grid: PairGrid) -> Linear:
    """The first layer with its ``w`` input replaced by ``s_first + lam * s_second``."""
    weights = dict(grid.first.weights(1.0))
    for d, c in grid.second.weights(grid.lam).items():
        weights[d] = weights.get(d, 0.0) + c
    others = [d for d in fst.input_space.basis if d != w_dir]
    in_space = VectorSpaceWithBasis(tuple(dict.fromkeys([*weights, *others])))
    w_row = fst.matrix[fst.input_space.index(w_dir)]
    entries = {}
    for j, h in enumerate(fst.output_space.basis):
        for d, c in weights.items():
            entries[(d, h)] = entries.get((d, h), 0.0) + c * w_row[j]
        for d in others:
            entries[(d, h)] = entries.get((d, h), 0.0) + fst.matrix[fst.input_space.index(d), j]
    return Linear.from_entries(in_space, fst.output_space, entries)
