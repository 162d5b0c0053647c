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

import numpy as np

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear


def _values(space: VectorSpaceWithBasis) -> np.ndarray:
    return np.array([d.value for d in space.basis], dtype=float)


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
    rows_x = [inputs.index(d) for d in x_space.basis]
    rows_y = [inputs.index(d) for d in y_space.basis]
    i_one, i_bos = inputs.index(one), inputs.index(bos)
    xs, ys = _values(x_space), _values(y_space)
    linear = np.zeros(inputs.num_dims)  # L = a X + b Y + c (one - bos)
    linear[rows_x], linear[rows_y] = a * xs, b * ys
    linear[i_one], linear[i_bos] = constant, -constant
    squares = np.zeros(inputs.num_dims)  # A^2 + B^2
    squares[rows_x], squares[rows_y] = (a * xs + constant) ** 2, (b * ys) ** 2
    columns = [linear, -linear, squares]
    names, writes = ["pos", "neg", "squares"], [(out, 1.0), (out, -1.0), (square, 1.0)]
    for name, column, sign in _gated_products(inputs, rows_x, rows_y, xs, ys, a, b, constant,
                                              i_one):
        names.append(name)
        columns.append(column)
        writes.append((square, sign))
    hidden = VectorSpaceWithBasis.from_values(hidden_name, names)
    order = [hidden.index(BasisDirection(hidden_name, n)) for n in names]
    first = np.zeros((inputs.num_dims, len(names)))
    first[:, order] = np.stack(columns, axis=1)
    outputs = VectorSpaceWithBasis((out, square))
    second = np.zeros((len(names), 2))
    for h, (direction, weight) in zip(order, writes, strict=True):
        second[h, outputs.index(direction)] = weight
    return MLP(Linear(inputs, hidden, first), Linear(hidden, outputs, second), label=label)


def _gated_products(inputs, rows_x, rows_y, xs, ys, a, b, constant, i_one):
    """The units ``relu(+-2 A(v) B + G x_v - G)`` summing to ``2 A B`` (module docstring)."""
    if len(ys) == 0:
        return
    coefs = 2 * (a * xs + constant)
    b_values = b * ys
    gap = float(np.max(np.abs(coefs)) * np.max(np.abs(b_values)) + 1)
    for row, v, coef in zip(rows_x, xs, coefs, strict=True):
        for sign, name in ((1, "plus"), (-1, "minus")):
            if coef == 0 or not np.any(sign * coef * b_values > 0):
                continue  # this half is never positive
            column = np.zeros(inputs.num_dims)
            column[rows_y] = sign * coef * b_values
            column[row], column[i_one] = gap, -gap
            yield f"{name}_{int(v)}", column, float(sign)


def largest_preactivation(x_values, y_values, a: int, b: int, constant: int) -> int:
    """A bound on ``|pre-activation|`` of every unit (the compiler keeps it below 2**24)."""
    big_a = max(abs(a * v + constant) for v in x_values)
    big_b = max((abs(b * u) for u in y_values), default=0)
    return (big_a + big_b) ** 2 + 2 * (2 * big_a * big_b + 1)
