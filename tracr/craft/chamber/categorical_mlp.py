"""MLPs for Maps and SequenceMaps whose inputs are categorical (one-hot) SOps.

All of them rely on one fact: at a position, a categorical SOp's subspace holds either one
1 and zeros (its value) or all zeros (None, and the BOS position). Lookup tables built on
one-hot inputs are exact, and an all-zero input gives an all-zero output, so None propagates
as the evaluator says and the BOS invariant is kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence

from tracr.craft.bases import (
    BasisDirection,
    VectorSpaceWithBasis,
    ensure_dims,
    join_vector_spaces,
)
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear


def _output_direction(output_space: VectorSpaceWithBasis, value: Hashable):
    if value is None:
        return None
    for d in output_space.basis:
        if d.value == value:
            return d
    raise ValueError(f"value {value!r} is not in the output space {output_space.labels}")


def categorical_lookup_mlp(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    f: Callable[[Hashable], Hashable],
    hidden_name: str,
    label: str = "",
) -> MLP:
    """Categorical -> categorical lookup table on values: ``in:v`` feeds ``out:f(v)``."""
    images = {d: _output_direction(output_space, f(d.value)) for d in input_space.basis}
    return _lookup_mlp(input_space, output_space, images, hidden_name, label)


def map_categorical_mlp(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    operation: Callable[[BasisDirection], BasisDirection | None],
    hidden_name: str | None = None,
    label: str = "",
) -> MLP:
    """Categorical -> categorical on directions, as in the reference: ``in:d`` feeds
    ``operation(d)``; an image outside ``output_space`` (or None) gives zero.

    Thin adapter over ``_lookup_mlp``, the table ``categorical_lookup_mlp`` uses.
    """
    images = {}
    for d in input_space.basis:
        image = operation(d)
        images[d] = image if image is not None and image in output_space else None
    hidden = hidden_name or _hidden_name(output_space)
    return _lookup_mlp(input_space, output_space, images, hidden, label)


def _hidden_name(output_space: VectorSpaceWithBasis) -> str:
    """A default hidden name derived from the output, so MLPs writing different outputs
    can run in parallel (``MLP.combine_in_parallel`` refuses shared hidden directions)."""
    names = sorted({str(d.name) for d in output_space.basis})
    return "_hidden_" + "_".join(names) + "_"


def _lookup_mlp(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    images: dict[BasisDirection, BasisDirection | None],
    hidden_name: str,
    label: str,
) -> MLP:
    """The lookup table ``in:d -> images[d]``; one hidden unit per output direction used.

    Hidden unit ``w`` computes ``relu(sum_{d : images[d] = w} x_d)``, which is 1 exactly when
    the input's direction maps to ``w`` (one-hot input), and feeds ``w``. Inputs mapping to
    None feed nothing. Hidden width = number of distinct outputs.
    """
    used = sorted({w for w in images.values() if w is not None}, key=BasisDirection.sort_key)
    one_name = len({w.name for w in used}) <= 1

    def unit(w: BasisDirection) -> BasisDirection:
        return BasisDirection(hidden_name, w.value if one_name else (w.name, w.value))

    hidden = VectorSpaceWithBasis(tuple(unit(w) for w in used))
    first = {(d, unit(w)): 1.0 for d, w in images.items() if w is not None}
    second = {(unit(w), w): 1.0 for w in used}
    return MLP(
        Linear.from_entries(input_space, hidden, first),
        Linear.from_entries(hidden, output_space, second),
        label=label,
    )


def map_categorical_to_numerical_mlp(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    f: Callable[[Hashable], float],
    hidden_name: str | None = None,
    label: str = "",
) -> MLP:
    """Categorical -> numerical: ``out = sum_w w * relu(sum_{v : f(v) = w} x_v)``.

    The reference's arguments are ``(input_space, output_space, operation)``, ``operation``
    taking a value (not a direction), as here; its single hidden neuron clipped negative
    outputs to 0, this construction does not.

    One hidden unit per distinct non-zero output ``w`` fires exactly when the input's value
    maps to ``w`` (one-hot input), and the second layer weights it by ``w``. Negative and
    positive outputs alike are exact, since the sign lives in the second layer, never inside
    a ReLU. Values mapping to 0 need no unit: a boolean indicator costs one hidden unit.
    """
    ensure_dims(output_space, 1, "output_space")
    (out_dir,) = output_space.basis
    hidden_name = hidden_name or _hidden_name(output_space)
    images = {d: float(f(d.value)) for d in input_space.basis}
    used = sorted({w for w in images.values() if w != 0.0})
    hidden = VectorSpaceWithBasis.from_values(hidden_name, used)
    first = {(d, BasisDirection(hidden_name, w)): 1.0 for d, w in images.items() if w != 0.0}
    second = {(BasisDirection(hidden_name, w), out_dir): w for w in used}
    return MLP(
        Linear.from_entries(input_space, hidden, first),
        Linear.from_entries(hidden, output_space, second),
        label=label,
    )


def product_mlp(
    part_spaces: Sequence[VectorSpaceWithBasis],
    output_space: VectorSpaceWithBasis,
    f: Callable[..., Hashable],
    one: BasisDirection,
    hidden_name: str,
    numerical_output: bool = False,
    label: str = "",
    on_directions: bool = False,
) -> MLP:
    """m categorical inputs -> anything: one hidden unit per combination of values.

    Unit (i_1, ..., i_m) computes ``relu(x_{i_1} + ... + x_{i_m} - (m - 1))``: 1 when every
    input holds its value, else 0 (each input is one-hot or all zero, so the sum reaches m
    only then). The second layer writes ``out:f(i_1, ..., i_m)`` (categorical) or
    ``f(...) * out`` (numerical). A None or BOS input (all zero) gives zero out.
    Hidden width = the product of the inputs' value counts. ``on_directions``: ``f`` takes
    the input directions and returns an output direction (one outside ``output_space``, or
    None, writes nothing), as the reference's operation does.
    """
    m = len(part_spaces)
    combos = list(itertools.product(*(space.basis for space in part_spaces)))
    hidden = VectorSpaceWithBasis.from_values(
        hidden_name, [tuple(d.value for d in combo) for combo in combos]
    )
    in_space = join_vector_spaces(*part_spaces, VectorSpaceWithBasis((one,)))
    first: dict = {}
    second: dict = {}
    for combo in combos:
        h = BasisDirection(hidden_name, tuple(d.value for d in combo))
        for d in combo:
            first[(d, h)] = first.get((d, h), 0.0) + 1.0
        first[(one, h)] = -(m - 1.0)
        image = _image(f, combo, output_space, numerical_output, on_directions)
        if image is not None:
            second[(h, image[0])] = image[1]
    return MLP(
        Linear.from_entries(in_space, hidden, first),
        Linear.from_entries(hidden, output_space, second),
        label=label,
    )


def _image(f, combo, output_space, numerical: bool, on_directions: bool):
    """(output direction, coefficient) that a product unit writes, or None for nothing."""
    if on_directions:
        image = f(*combo)
        return (image, 1.0) if image is not None and image in output_space else None
    value = f(*(d.value for d in combo))
    if numerical:
        return output_space.basis[0], float(value)
    return None if value is None else (_output_direction(output_space, value), 1.0)


def sequence_map_categorical_mlp(
    input1_space: VectorSpaceWithBasis,
    input2_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    operation: Callable[[BasisDirection, BasisDirection], BasisDirection | None],
    one_space: VectorSpaceWithBasis,
    hidden_name: str | None = None,
) -> MLP:
    """The reference's categorical SequenceMap: ``operation(d1, d2)`` on directions.

    Thin adapter over ``product_mlp`` (one hidden unit per pair of input directions).
    """
    ensure_dims(one_space, 1, "one_space")
    return product_mlp(
        [input1_space, input2_space], output_space, operation, one_space.basis[0],
        hidden_name or _hidden_name(output_space), on_directions=True,
    )
