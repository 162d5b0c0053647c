"""MLPs whose input is a numerical SOp: exact linear maps and discretising lookups.

Discretisation
--------------
A numerical SOp takes values in a known finite set ``v_0 < v_1 < ... < v_m``. Put a threshold
halfway between neighbours, ``t_i = (v_i + v_{i+1}) / 2``, and build a unit step there from
two ReLUs of the same slope ``s_i``::

    step_i(x) = relu(s_i (x - t_i) + 1/2) - relu(s_i (x - t_i) - 1/2)

              1 |            ______
                |           /
              0 |__________/
                      t_i - 1/(2 s_i)   t_i + 1/(2 s_i)

``step_i`` is exactly 0 for ``x <= t_i - 1/(2 s_i)`` and exactly 1 for
``x >= t_i + 1/(2 s_i)``. With ``s_i = 2 / (v_{i+1} - v_i)`` the ramp spans half the gap, so
every known value sits a quarter-gap clear of it: the output is exact for inputs within
``gap / 4`` of a known value, which absorbs attention's floating-point error. The sharpness
therefore follows from each gap, automatically; an explicit ``exactness`` only raises it.
The output telescopes::

    f(x) = f(v_0) + sum_i step_i(x) * (f(v_{i+1}) - f(v_i))

(for categorical outputs the difference is ``e_{f(v_{i+1})} - e_{f(v_i)}``). ``f(v_0)`` comes
from a unit ``relu(one - bos)``, and every step unit gets ``- B_i * bos`` with ``B_i`` larger
than its largest possible pre-activation, so the BOS position outputs exactly zero.

Rounding: an active step's two ReLUs are each about ``s_i |x - t_i|`` and cancel, so in
float32 each active step carries an error of about ``6e-8 * s_i |x - t_i|``. Each threshold
therefore uses whichever of the rising step (on above ``t_i``) and the falling step
``1 - step_i`` (on below ``t_i``) is active over the shorter stretch of known values: steep
steps between tiny values near the bottom of the set (SelectorWidth's 1/(w+1)) fall, so
they are active only close to their threshold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Sequence

from tracr.craft.bases import BasisDirection, VectorInBasis, VectorSpaceWithBasis, ensure_dims
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear


def _steps(values: Sequence[float], images: Sequence, exactness: float | None):
    """(threshold, slope, index) for each neighbour pair whose images differ."""
    out = []
    for i in range(len(values) - 1):
        if images[i] == images[i + 1]:
            continue
        lo, hi = values[i], values[i + 1]
        slope = max(2.0 / (hi - lo), exactness or 0.0)
        out.append(((lo + hi) / 2.0, slope, i))
    return out


def discretising_mlp(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    f: Callable[[float], Hashable],
    input_values: Sequence[float],
    one: BasisDirection,
    bos: BasisDirection | None,
    hidden_name: str,
    numerical_output: bool,
    exactness: float | None = None,
    label: str = "",
) -> MLP:
    """Numerical -> numerical or categorical by discretisation (see the module docstring).

    Hidden width = 1 + 2 * (number of neighbour pairs whose images differ). ``bos`` None
    (a hand-built block without a BOS direction) leaves out the BOS gate.
    """
    (x_dir,) = input_space.basis
    # f sees the values the evaluator gives it (an int stays an int: [5, 6][x] needs one).
    originals: dict[float, Hashable] = {}
    for v in input_values:
        originals.setdefault(float(v), v)
    values = sorted(originals)
    images = [f(originals[v]) for v in values]
    in_space = VectorSpaceWithBasis((x_dir, one) if bos is None else (x_dir, one, bos))
    base = BasisDirection(hidden_name, "base")
    first = {(one, base): 1.0}
    if bos is not None:
        first[(bos, base)] = -1.0
    second: dict = {}
    hidden_dirs = [base]
    if values:
        _add_output(second, output_space, base, images[0], +1.0, numerical_output)
    lo, hi = (values[0], values[-1]) if values else (0.0, 0.0)
    # Inputs seen anywhere: the known values, and 0 at BOS (1 for SelectorWidth's scratch).
    gate_lo, gate_hi = min(lo, 0.0), max(hi, 1.0)
    for t, s, i in _steps(values, images, exactness):
        gate = s * max(t - gate_lo, gate_hi - t) + 1.0
        # A rising step is on above t, a falling one below; (rising) = 1 - (falling) on known
        # values. Pick the one whose active pre-activations stay small: the two ReLUs of an
        # active step are both about s * |x - t| and cancel, so their size is the rounding
        # error in float32.
        rising = hi - t <= t - lo
        direction = 1.0 if rising else -1.0
        if not rising:
            _add_delta(second, output_space, base, images, i, +1.0, numerical_output)
        for kind, offset in (("on", 0.5), ("off", -0.5)):
            h = BasisDirection(hidden_name, (i, kind))
            hidden_dirs.append(h)
            first[(x_dir, h)] = direction * s
            first[(one, h)] = -direction * s * t + offset
            if bos is not None:
                first[(bos, h)] = -gate
            sign = (1.0 if kind == "on" else -1.0) * direction
            _add_delta(second, output_space, h, images, i, sign, numerical_output)
    hidden = VectorSpaceWithBasis(tuple(hidden_dirs))
    return MLP(
        Linear.from_entries(in_space, hidden, first),
        Linear.from_entries(hidden, output_space, second),
        label=label,
    )


def _add_delta(entries, output_space, hidden, images, i, coef: float, numerical: bool) -> None:
    """Add ``coef * (f(v_{i+1}) - f(v_i))`` to what ``hidden`` writes."""
    _add_output(entries, output_space, hidden, images[i + 1], coef, numerical)
    _add_output(entries, output_space, hidden, images[i], -coef, numerical)


def _add_output(entries: dict, output_space, hidden, image, sign: float, numerical: bool) -> None:
    if numerical:
        key = (hidden, output_space.basis[0])
        entries[key] = entries.get(key, 0.0) + sign * float(image)
        return
    if image is None:
        return
    for d in output_space.basis:
        if d.value == image:
            entries[(hidden, d)] = entries.get((hidden, d), 0.0) + sign
            return
    raise ValueError(f"value {image!r} is not in the output space {output_space.labels}")


def linear_sequence_map_mlp(
    fst_space: VectorSpaceWithBasis,
    snd_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    fst_fac: float,
    snd_fac: float,
    hidden_name: str,
    label: str = "",
) -> MLP:
    """``out = a x + b y`` for numerical x, y, exactly: ``z = relu(z) - relu(-z)``.

    Four hidden units (x+, x-, y+, y-); zero in gives zero out, so BOS stays zero. When both
    inputs are the same SOp the factors add up and two units suffice.
    """
    (out_dir,) = output_space.basis
    factors: dict[BasisDirection, float] = {}
    for space, fac in ((fst_space, fst_fac), (snd_space, snd_fac)):
        (d,) = space.basis
        factors[d] = factors.get(d, 0.0) + float(fac)
    in_space = VectorSpaceWithBasis(tuple(factors))
    hidden_dirs, first, second = [], {}, {}
    for d, fac in factors.items():
        for sign in (1.0, -1.0):
            h = BasisDirection(hidden_name, (d.label, sign))
            hidden_dirs.append(h)
            first[(d, h)] = sign
            second[(h, out_dir)] = sign * fac
    return MLP(
        Linear.from_entries(in_space, VectorSpaceWithBasis(tuple(hidden_dirs)), first),
        Linear.from_entries(VectorSpaceWithBasis(tuple(hidden_dirs)), output_space, second),
        label=label,
    )


def width_mlp(
    scratch: BasisDirection,
    output_space: VectorSpaceWithBasis,
    widths: Sequence[int],
    one: BasisDirection,
    bos: BasisDirection | None,
    hidden_name: str,
    numerical_output: bool,
    exactness: float | None = None,
    label: str = "",
) -> MLP:
    """SelectorWidth's MLP half: ``1 / (w + 1)`` in ``scratch`` -> ``w``, for w in ``widths``.

    A discretisation of ``x -> round(1 / x) - 1`` on the known values ``1 / (w + 1)``; their
    gaps are about ``1 / n^2``, so the steps get that sharp automatically.
    """
    return discretising_mlp(
        VectorSpaceWithBasis((scratch,)), output_space, lambda x: round(1.0 / x) - 1,
        [1.0 / (w + 1) for w in widths], one, bos, hidden_name, numerical_output, exactness,
        label=label,
    )


# --- The reference's names and arguments, as thin adapters over the constructions above. ---

DEFAULT_HIDDEN_NAME = "__hidden__"


@dataclasses.dataclass
class DiscretisingLayerMaterials:
    """The first layer of a discretising MLP (the reference's record of it).

    ``action`` maps an input direction to its image in ``hidden_space``; ``output_values``
    are ``f`` of the known input values, in increasing order of the input.
    """

    action: Callable[[BasisDirection], VectorInBasis]
    hidden_space: VectorSpaceWithBasis
    output_values: list


def discretising_layer(
    input_value_set: Iterable[float],
    f: Callable[[float], Hashable],
    hidden_name: str,
    one_direction: BasisDirection,
    large_number: float | None = None,
    input_direction: BasisDirection | None = None,
) -> DiscretisingLayerMaterials:
    """The first layer of ``discretising_mlp`` for these values, as materials (the input
    direction is ``input_direction``, by default ``BasisDirection("x")``)."""
    input_direction = input_direction or BasisDirection("x")
    values = sorted(set(input_value_set))
    images = {f(v) for v in values} - {None}
    out = VectorSpaceWithBasis.from_values(f"{hidden_name}_out", images)  # any hashable f(x)
    mlp = discretising_mlp(
        VectorSpaceWithBasis((input_direction,)), out, f, values, one_direction, None,
        hidden_name, False, large_number,
    )
    fst = mlp.fst
    return DiscretisingLayerMaterials(
        action=lambda d: fst(fst.input_space.vector_from_basis_direction(d)),
        hidden_space=fst.output_space,
        output_values=[f(v) for v in values],
    )


def _single(space: VectorSpaceWithBasis, name: str) -> BasisDirection:
    ensure_dims(space, 1, name)
    return space.basis[0]


def map_numerical_mlp(
    f: Callable[[float], float],
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    input_value_set: Iterable[float],
    one_space: VectorSpaceWithBasis,
    large_number: float | None = None,
    hidden_name: str = DEFAULT_HIDDEN_NAME,
) -> MLP:
    """The reference's numerical -> numerical Map: ``f`` on every value of ``input_value_set``.

    Thin adapter over ``discretising_mlp``. ``large_number`` (the step slope; the reference's
    default was a fixed 100) is by default chosen from the gaps between the values; an
    explicit one is a lower bound on every step's slope.
    """
    _single(input_space, "input_space")
    _single(output_space, "output_space")
    return discretising_mlp(
        input_space, output_space, f, sorted(set(input_value_set)),
        _single(one_space, "one_space"), None, hidden_name, True, large_number,
    )  # fmt: skip


def map_numerical_to_categorical_mlp(
    f: Callable[[float], Hashable],
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    input_value_set: Iterable[float],
    one_space: VectorSpaceWithBasis,
    hidden_name: str = DEFAULT_HIDDEN_NAME,
    large_number: float | None = None,
) -> MLP:
    """The reference's numerical -> categorical Map: writes the direction of ``output_space``
    whose value is ``f(x)``. Thin adapter over ``discretising_mlp`` (see ``map_numerical_mlp``
    for ``large_number``)."""
    _single(input_space, "input_space")
    return discretising_mlp(
        input_space, output_space, f, sorted(set(input_value_set)),
        _single(one_space, "one_space"), None, hidden_name, False, large_number,
    )  # fmt: skip


def linear_sequence_map_numerical_mlp(
    input1_basis_direction: BasisDirection,
    input2_basis_direction: BasisDirection,
    output_basis_direction: BasisDirection,
    input1_factor: float,
    input2_factor: float,
    hidden_name: str = DEFAULT_HIDDEN_NAME,
) -> MLP:
    """The reference's ``input1_factor * x + input2_factor * y`` on numerical directions.

    Thin adapter over ``linear_sequence_map_mlp``.
    """
    return linear_sequence_map_mlp(
        VectorSpaceWithBasis((input1_basis_direction,)),
        VectorSpaceWithBasis((input2_basis_direction,)),
        VectorSpaceWithBasis((output_basis_direction,)),
        input1_factor, input2_factor, hidden_name,
    )  # fmt: skip
