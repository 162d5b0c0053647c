"""Aggregates whose default (the value where the selector selects nothing) is not zero/None.

The plain aggregate head (``attention.aggregate_head``) gives BOS the score ``c / 2``: when
no key matches, BOS takes all but a leak ``n e^{-c/2} <= LEAK_BOUND`` of the attention, and
its value under the OV map is zero, which decodes as None (categorical) or 0 (numerical).

Construction
------------
Give the BOS token direction a value too: the OV map sends ``bos -> D``, where ``D`` is the
default's vector in the output space (``out:d`` for a categorical default ``d``, ``d * out``
for a numerical one). Writing ``a_0`` for the attention BOS receives::

    head(q) = sum_{k selected} a_k V(x_k) + a_0 D
            = mean of the selected values + O(LEAK_BOUND |D|)   when some key matches
            = D + O(LEAK_BOUND)                                  when none matches

because with ``m >= 1`` matches ``a_0 <= e^{-c/2}`` and with none ``a_0 >= 1 - LEAK_BOUND``.
A categorical output is read by argmax and a numerical one within the model's tolerance, so
both are exact. A categorical default that is also an aggregated value shares its direction:
either way the position holds ``out:d``.

The BOS invariant (every SOp is zero at the BOS position) needs one more step: the BOS query
attends to BOS alone, so the head writes ``D`` there. An MLP removes it::

    mlp(x) = - D * relu(x_bos)        (x_bos = 1 at BOS, 0 elsewhere)

which is exactly ``-D`` at BOS and exactly zero at every other position. Padding positions
are never attended to (the key mask removes them) and their own outputs are not read.
"""

from __future__ import annotations

from collections.abc import Hashable

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import MLP
from tracr.craft.vectorspace_fns import Linear


def default_vector(
    output_space: VectorSpaceWithBasis, default: Hashable, numerical: bool
) -> dict[BasisDirection, float]:
    """``D``: the default's coordinates in the output space."""
    if numerical:
        return {output_space.basis[0]: float(default)}
    for direction in output_space.basis:
        if direction.value == default:
            return {direction: 1.0}
    raise ValueError(f"default {default!r} is not in the output space {output_space.labels}")


def value_map_with_default(
    ov: Linear, bos: BasisDirection, default: dict[BasisDirection, float]
) -> Linear:
    """``ov`` extended to read the BOS token direction: ``bos -> D``."""
    in_space = join_vector_spaces(ov.input_space, VectorSpaceWithBasis((bos,)))
    entries = {
        (d_in, d_out): ov.matrix[i, j]
        for i, d_in in enumerate(ov.input_space.basis)
        for j, d_out in enumerate(ov.output_space.basis)
        if ov.matrix[i, j] != 0.0
    }
    for d_out, coef in default.items():
        entries[(bos, d_out)] = entries.get((bos, d_out), 0.0) + coef
    return Linear.from_entries(in_space, ov.output_space, entries)


def bos_cleanup_mlp(
    output_space: VectorSpaceWithBasis,
    bos: BasisDirection,
    default: dict[BasisDirection, float],
    hidden_name: str,
    label: str = "",
) -> MLP:
    """``x -> -D relu(x_bos)``: removes what the default head wrote at the BOS position."""
    hidden = VectorSpaceWithBasis((BasisDirection(hidden_name, "bos"),))
    (h,) = hidden.basis
    first = Linear.from_entries(VectorSpaceWithBasis((bos,)), hidden, {(bos, h): 1.0})
    second = Linear.from_entries(hidden, output_space, {(h, d): -c for d, c in default.items()})
    return MLP(first, second, label=label)
