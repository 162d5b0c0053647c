"""A head for ``Select(keys, query, EQ)`` whose query is a number ``q`` held with its square.

The reference layout needs a one-hot of every query value. Here the query position holds
``q`` and ``q**2`` (``affine_square_mlp``) and the keys stay one-hot over integer values ``k``.

Maths
-----
With coldness ``c`` (``attention.default_coldness``), the score of a query against a key is

    key at value k:   c (2 k q - k^2)  =  c q^2 - c (q - k)^2
    BOS key:          c q^2 - (1 - beta) c

For a fixed query, ``c q^2`` is the same for every key, and the softmax is blind to it. So
relative to that, a key with ``k = q`` scores 0, every other key at most ``-c`` (integers:
``(q - k)^2 >= 1``), and BOS ``-(1 - beta) c``: exactly the reference's picture (selected
``c``, BOS ``beta c``, others at most 0) shifted by ``c q^2 - c``. Aggregate uses
``beta = 1/2``, SelectorWidth ``beta = 1`` (BOS ties with the selected keys); the leak bound
of ``default_coldness`` holds unchanged. A query value no key holds selects nothing and reads
BOS, the default. Every term is bilinear: ``q`` and ``one`` against the key's one-hot
(weights ``2ck`` and ``-ck^2``), ``q^2`` and ``one`` against the BOS key direction.

At the BOS query ``q = q^2 = 0``: keys score ``-c k^2 <= 0`` and an extra ``bos x bos`` term
lifts the BOS key to ``beta c``, so BOS attends to itself as in the reference.

Conditions (checked by the compiler): query and key values are integers and never None (a
None key would read as ``k = 0``). Scores reach ``c max(q^2, k^2)``, whose rounding error must
stay far below the margin ``c/2``: in float64 (1e-16 relative) that holds for any |q|, |k| <=
2048 (the compiler's bound); in float32 (6e-8 relative) up to about |q|, |k| <= 300
(``c q^2`` about 6e6, rounding about 0.5), so a float32 backend of a model with longer
sequences should use the reference layout.
The attention width is 4 (``q``, ``q^2``, ``one``, BOS) instead of the number of query values.
"""

from __future__ import annotations

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import AttentionHead
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear


def numerical_eq_head(
    query: BasisDirection,
    query_square: BasisDirection,
    key_space: VectorSpaceWithBasis,
    ov: Linear,
    one: BasisDirection,
    bos: BasisDirection,
    coldness: float,
    bos_weight: float,
    causal: bool = False,
    label: str = "",
) -> AttentionHead:
    """The head selecting keys whose (integer) value equals the query's number ``q``.

    ``bos_weight`` is ``beta`` above: 0.5 for Aggregate, 1.0 for SelectorWidth.
    """
    c = coldness
    left = VectorSpaceWithBasis((query, query_square, one, bos))
    right = join_vector_spaces(key_space, VectorSpaceWithBasis((bos,)))
    entries: dict[tuple[BasisDirection, BasisDirection], float] = {}
    for d in key_space.basis:
        entries[(query, d)] = 2.0 * c * d.value
        entries[(one, d)] = -c * d.value**2
    entries[(query_square, bos)] = c
    entries[(one, bos)] = -(1.0 - bos_weight) * c
    entries[(bos, bos)] = c  # at the BOS query: -(1 - beta) c + c = beta c
    return AttentionHead(ScalarBilinear.from_entries(left, right, entries), ov, causal=causal,
                         label=label)


def numerical_eq_key_head(
    query_space: VectorSpaceWithBasis,
    key: BasisDirection,
    key_square: BasisDirection,
    ov: Linear,
    one: BasisDirection,
    bos: BasisDirection,
    coldness: float,
    bos_weight: float,
    causal: bool = False,
    label: str = "",
) -> AttentionHead:
    """The mirror image: one-hot integer queries ``q``, keys holding a number ``t`` and ``t**2``.

    Same scores as ``numerical_eq_head`` with the roles of the features swapped: ``c (2 q t -
    t^2)`` for a key (``2cq`` on the query's one-hot against ``t``, ``-c`` on ``one`` against
    ``t^2``), ``c q^2 - (1 - beta) c`` for BOS (``c q^2`` on the query's one-hot against the
    BOS key direction). BOS keys hold ``t = t^2 = 0``. At the BOS query the one-hot is zero:
    keys score ``-c t^2 <= 0`` and BOS ``beta c``.
    """
    c = coldness
    left = join_vector_spaces(query_space, VectorSpaceWithBasis((one, bos)))
    right = VectorSpaceWithBasis((key, key_square, bos))
    entries: dict[tuple[BasisDirection, BasisDirection], float] = {}
    for d in query_space.basis:
        entries[(d, key)] = 2.0 * c * d.value
        entries[(d, bos)] = c * d.value**2
    entries[(one, key_square)] = -c
    entries[(one, bos)] = -(1.0 - bos_weight) * c
    entries[(bos, bos)] = c
    return AttentionHead(ScalarBilinear.from_entries(left, right, entries), ov, causal=causal,
                         label=label)


def width_value_map(bos: BasisDirection, scratch: BasisDirection) -> Linear:
    """SelectorWidth's value map: the BOS direction into the scratch dimension."""
    return Linear.from_entries(VectorSpaceWithBasis((bos,)), VectorSpaceWithBasis((scratch,)),
                               {(bos, scratch): 1.0})
