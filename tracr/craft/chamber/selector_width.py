"""The reference's ``selector_width``: a thin adapter over ``attention.width_head`` (the
attention half) and ``numerical_mlp.width_mlp`` (the MLP half), which the compiler uses too.

The head attends to every selected key and to BOS with the same score, so BOS takes exactly
``1 / (w + 1)`` of the attention and its indicator lands in a scratch direction; the MLP maps
``1 / (w + 1)`` back to ``w``. See those two functions for the maths.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracr.craft.bases import BasisDirection, BasisError, VectorSpaceWithBasis, ensure_dims
from tracr.craft.chamber import attention, numerical_mlp
from tracr.craft.chamber.categorical_attn import QueryKeyToAttnLogit
from tracr.craft.transformers import SeriesWithResiduals


def selector_width(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    bos_space: VectorSpaceWithBasis,
    one_space: VectorSpaceWithBasis,
    attn_fn: QueryKeyToAttnLogit,
    out_value_set: Iterable[int],
    categorical_output: bool,
    causal: bool = False,
    softmax_coldness: float = 100.0,
    mlp_large_number: float | None = None,
    label: str = "",
) -> SeriesWithResiduals:
    """Blocks writing, at each query, how many keys have ``attn_fn(query, key)`` true.

    Categorical output: the direction of ``output_space`` whose value is the width;
    numerical: the width in ``output_space``'s single direction. ``out_value_set`` lists the
    widths that can occur (0..max_seq_len). ``mlp_large_number`` (a fixed 100 in the
    reference, too blunt above width 10) is by default chosen from the gaps between the
    values ``1 / (w + 1)``; an explicit one is a lower bound on the steps' slope. The BOS
    position's output is zero.
    """
    ensure_dims(bos_space, 1, "bos_space")
    ensure_dims(one_space, 1, "one_space")
    if not categorical_output:
        ensure_dims(output_space, 1, "output_space")
    (bos,), (one,) = bos_space.basis, one_space.basis
    queries = VectorSpaceWithBasis(tuple(d for d in query_space.basis if d not in (one, bos)))
    keys = VectorSpaceWithBasis(tuple(d for d in key_space.basis if d not in (one, bos)))
    table = attention.direction_table(queries, keys, attn_fn)
    scratch = BasisDirection(f"{label}_selector_width_attn_output")
    if scratch in query_space or scratch in key_space or scratch in output_space:
        raise BasisError(f"selector_width: the scratch direction {scratch.label} is taken")
    head = attention.width_head(
        queries, keys, table, one, bos, scratch, softmax_coldness, causal, label=label
    )
    mlp = numerical_mlp.width_mlp(
        scratch, output_space, sorted(set(out_value_set)), one, bos, f"_hidden_{label}_",
        not categorical_output, mlp_large_number, label=label,
    )  # fmt: skip
    return SeriesWithResiduals([head, mlp])
