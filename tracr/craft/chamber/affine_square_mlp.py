"""An MLP writing an integer affine function of one or two categorical SOps, and its square.

The economical layout uses it for an expression like ``length - indices - 1`` that is only
read as the query of an ``EQ`` selector (see ``numerical_eq_attention``): instead of a one-hot
of every value, fed by one hidden unit per pair of input values, the residual holds two
numbers, ``q`` and ``q**2``.

Maths
-----
Inputs are one-hot subspaces ``x`` (values ``v``) and ``y`` (values ``u``), all integers; the
value of ``x`` is the linear read-out ``X = sum_v v x_v`` (0 where ``x`` is None or at BOS).
Write ``q = A + B`` with ``A = a X + c`` (the constant rides with the *gate* input ``x``,
whose value set is the smaller) and ``B = b Y``. Hidden units:

* ``relu(L)`` and ``relu(-L)`` with ``L = a X + b Y + c (one - bos)``: their difference is
  ``L`` exactly (one of them is zero); it is ``q`` at a real position and 0 at BOS.
* ``relu(sum_v A(v)^2 x_v + sum_u (b u)^2 y_u)``: ``A^2 + B^2``, a sum of squares, so the
  ReLU is the identity on it.
* for each gate value ``v`` with ``A(v) != 0``, the gated products
  ``relu(+-2 A(v) B + G x_v - G)``: when ``x = v`` the gate term vanishes and the pair gives
  ``2 A(v) B``; otherwise the pre-activation is at most ``|2 A(v) B| - G < 0``. ``G`` is one
  more than the largest ``|2 A(v) B|`` over the value sets.

Their sum is ``A^2 + 2AB + B^2 = q^2``. Every weight and every pre-activation is an integer,
so the result is exact in float64 and, while pre-activations stay below ``2**24`` (checked
by the compiler before it chooses this construction), in float32 too. There is no
sharpness to choose: no step is approximated. At BOS every one-hot is zero and
``one - bos = 0``, so both outputs are 0 (the BOS invariant). Hidden width is
``3 + (1 or 2) x |x|``: two per gate value when ``2 A(v) B`` takes both signs.
"""

from __future__ import annotations

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear


def _values(space: VectorSpaceWithBasis) -> list[int]:
    return [d.value for d in space.basis]


def affine_square_mlp(
    gate: tuple[VectorSpaceWithBasis, int],
    other: tuple[VectorSpaceWithBasis, int] | None,
    constant: int,
    out: BasisDirection,
    square: BasisDirection,
    one: BasisDirection,
    bos: BasisDirection,
    hidden_name: str,
    label: str = "",
) -> MLP:
    """``out = a X + b Y + c`` and ``square = out**2`` for one-hot ``X`` (gate) and ``Y``.

    ``gate`` and ``other`` are (one-hot space with integer values, integer coefficient);
    ``other`` is None for a function of one SOp.
    """
    (x_space, a), (y_space, b) = gate, other or (VectorSpaceWithBasis(()), 0)
    inputs = join_vector_spaces(x_space, y_space, VectorSpaceWithBasis((one, bos)))
    first: dict[tuple[BasisDirection, BasisDirection], float] = {}
    second: dict[tuple[BasisDirection, BasisDirection], float] = {}
    units: list[BasisDirection] = []

    def unit(name: str, reads: dict[BasisDirection, float], writes: dict) -> None:
        h = BasisDirection(hidden_name, name)
        units.append(h)
        for d, w in reads.items():
            first[(d, h)] = first.get((d, h), 0.0) + w
        for d, w in writes.items():
            second[(h, d)] = w

    linear = {d: a * d.value for d in x_space.basis}
    linear.update({d: b * d.value for d in y_space.basis})
    linear[one], linear[bos] = constant, -constant
    unit("pos", linear, {out: 1.0})
    unit("neg", {d: -w for d, w in linear.items()}, {out: -1.0})
    squares = {d: (a * d.value + constant) ** 2 for d in x_space.basis}
    squares.update({d: (b * d.value) ** 2 for d in y_space.basis})
    unit("squares", squares, {square: 1.0})
    b_values = [b * u for u in _values(y_space)]
    if b_values:
        _gated_products(x_space, y_space, a, b, constant, b_values, one, unit, square)
    hidden = VectorSpaceWithBasis(tuple(units))
    outputs = VectorSpaceWithBasis((out, square))
    return MLP(Linear.from_entries(inputs, hidden, first),
               Linear.from_entries(hidden, outputs, second), label=label)


def _gated_products(x_space, y_space, a, b, constant, b_values, one, unit, square) -> None:
    """The units ``relu(+-2 A(v) B + G x_v - G)`` summing to ``2 A B`` (module docstring)."""
    largest = max(abs(2 * (a * v + constant)) for v in _values(x_space)) * max(map(abs, b_values))
    gap = float(largest + 1)
    for d in x_space.basis:
        coef = 2 * (a * d.value + constant)
        if coef == 0:
            continue
        for sign, name in ((1, "plus"), (-1, "minus")):
            if not any(sign * coef * bv > 0 for bv in b_values):
                continue  # this half is never positive
            reads = {e: sign * coef * b * e.value for e in y_space.basis}
            reads[d], reads[one] = gap, -gap
            unit(f"{name}_{d.value}", reads, {square: float(sign)})


def largest_preactivation(x_values, y_values, a: int, b: int, constant: int) -> int:
    """A bound on ``|pre-activation|`` of every unit (the compiler keeps it below 2**24)."""
    big_a = max(abs(a * v + constant) for v in x_values)
    big_b = max((abs(b * u) for u in y_values), default=0)
    return (big_a + big_b) ** 2 + 2 * (2 * big_a * big_b + 1)
