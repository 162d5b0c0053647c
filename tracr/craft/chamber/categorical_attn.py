"""The reference's ``categorical_attn``: a thin adapter over ``attention.selector_form``.

The score construction (selected keys score ``softmax_coldness``, BOS half of it, so BOS
wins only when nothing is selected) is ``attention.selector_form``'s; see its module
docstring for why the result is exact. This module maps the reference's arguments onto it:
a predicate on basis directions (query first), spaces given separately for BOS and ``one``,
and the value -> output map, which pairs the value directions with the output directions in
sorted order, as the reference did.
"""

from __future__ import annotations

from collections.abc import Callable

from tracr.craft.bases import (
    BasisDirection,
    BasisError,
    VectorInBasis,
    VectorSpaceWithBasis,
    ensure_dims,
    join_vector_spaces,
)
from tracr.craft.chamber import attention
from tracr.craft.transformers import AttentionHead
from tracr.craft.vectorspace_fns import Linear

# attn_fn(query_direction, key_direction) -> bool (or a score multiplier).
QueryKeyToAttnLogit = Callable[[BasisDirection, BasisDirection], bool]


def _without(space: VectorSpaceWithBasis, *dirs: BasisDirection) -> VectorSpaceWithBasis:
    return VectorSpaceWithBasis(tuple(d for d in space.basis if d not in dirs))


def categorical_attn(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    value_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    bos_space: VectorSpaceWithBasis,
    one_space: VectorSpaceWithBasis,
    attn_fn: QueryKeyToAttnLogit,
    default_output: VectorInBasis | None = None,
    causal: bool = False,
    always_attend_to_bos: bool = False,
    use_bos_for_default_output: bool = True,
    softmax_coldness: float = 100.0,
) -> AttentionHead:
    """A head where each query attends to the keys with ``attn_fn(query, key)`` true.

    With no such key it attends to BOS, whose value is ``default_output`` (zero by default)
    when ``use_bos_for_default_output``. ``always_attend_to_bos`` gives BOS the full score, so
    it takes one share alongside the selected keys (SelectorWidth reads that share). The
    value directions (BOS excluded unless ``always_attend_to_bos``) map one-to-one, in sorted
    order, onto the output directions. In a compiled model the effective score is exactly
    ``softmax_coldness``: assembly compensates the ``sqrt(d_head)`` scaling.
    """
    ensure_dims(bos_space, 1, "bos_space")
    ensure_dims(one_space, 1, "one_space")
    (bos,), (one,) = bos_space.basis, one_space.basis
    queries, keys = _without(query_space, one, bos), _without(key_space, one, bos)
    table = attention.direction_table(queries, keys, attn_fn)
    bos_weight = 1.0 if always_attend_to_bos else 0.5
    w_qk = attention.selector_form(queries, keys, table, one, bos, softmax_coldness, bos_weight)
    w_ov = _value_to_output(
        join_vector_spaces(value_space, bos_space), output_space, bos, default_output,
        always_attend_to_bos, use_bos_for_default_output,
    )  # fmt: skip
    return AttentionHead(w_qk, w_ov, causal=causal)


def _value_to_output(
    value_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    bos: BasisDirection,
    default_output: VectorInBasis | None,
    always_attend_to_bos: bool,
    use_bos_for_default_output: bool,
) -> Linear:
    values = [d for d in value_space.basis if always_attend_to_bos or d != bos]
    if len(values) != output_space.num_dims:
        raise BasisError(
            f"categorical_attn: {len(values)} value directions {[d.label for d in values]} "
            f"for {output_space.num_dims} output directions {output_space.labels}; they pair "
            "one-to-one in sorted order"
        )
    image = dict(zip(values, output_space.basis_vectors(), strict=True))
    default = output_space.null_vector() if default_output is None else default_output
    if default not in output_space:
        raise BasisError(
            f"categorical_attn: default_output has directions outside output_space "
            f"{output_space.labels}"
        )

    def action(direction: BasisDirection) -> VectorInBasis | None:
        if direction == bos and use_bos_for_default_output:
            return default.project(output_space)
        return image.get(direction)

    return Linear.from_action(value_space, output_space, action)
