"""Attention heads for Aggregate and the selector part of SelectorWidth.

Score construction
------------------
A selector ``sel[q][k] = pred(key[k], query[q])`` over categorical SOps becomes a bilinear form
between the query's one-hot features and the key's one-hot features::

    score(q, k) = c * S(q, k)                       S = 1 where pred holds, 0 elsewhere
                + beta * [k is BOS]                  the BOS fallback, read through `one`

``S`` has the entry ``c`` at (query:v, key:u) whenever ``pred(u, v)``. At the BOS position
every SOp subspace is zero (the BOS invariant), so neither a BOS query nor a BOS key matches
any value; a BOS query therefore attends to BOS alone and copies zero. A predicate that holds
regardless of values (``TRUE``) cannot use one-hot pairs (a None value has no one-hot), so it
reads ``one`` and the BOS token instead: ``c (1 - bos_q)(1 - bos_k)`` expands to four
bilinear entries.

Aggregate uses ``beta = c / 2``: with m >= 1 matching keys each gets weight
``1 / (m + e^{-c/2} + (n - m) e^{-c})`` and BOS gets ``e^{-c/2}`` of that; with no match BOS
gets everything but ``n e^{-c/2}``. SelectorWidth uses ``beta = c``: BOS ties with the matches
and receives exactly ``1 / (w + 1)``.

Coldness ``c`` is chosen from the maximum length so that ``(n + 1) e^{-c/2}`` is below
``1e-13``: the leak is then far below float32 and float64 resolution alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

import numpy as np

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import AttentionHead
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear

# Predicate over (key value, query value); None means "holds for every pair, None included".
ValuePredicate = Callable[[Hashable, Hashable], bool] | None

LEAK_BOUND = 1e-13


def default_coldness(max_seq_len: int) -> float:
    """The score gap ``c`` making ``(max_seq_len + 1) * exp(-c / 2) <= LEAK_BOUND``."""
    return 2.0 * (math.log(max_seq_len + 1) - math.log(LEAK_BOUND))


def selection_table(
    query_space: VectorSpaceWithBasis, key_space: VectorSpaceWithBasis, predicate
) -> np.ndarray:
    """``table[i, j] = predicate(key_space[j].value, query_space[i].value)`` as booleans."""
    table = np.zeros((query_space.num_dims, key_space.num_dims), dtype=bool)
    for i, q_dir in enumerate(query_space.basis):
        for j, k_dir in enumerate(key_space.basis):
            table[i, j] = bool(predicate(k_dir.value, q_dir.value))
    return table


def selector_form(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    predicate: ValuePredicate | np.ndarray,
    one: BasisDirection,
    bos: BasisDirection,
    coldness: float,
    bos_weight: float,
) -> ScalarBilinear:
    """The score ``c * S(q, k) + bos_weight * c * [k is BOS]`` as a bilinear form.

    ``predicate`` is a callable on (key value, query value), None for "always", or a boolean
    table [query values, key values] computed beforehand (see ``selection_table``).
    """
    left = join_vector_spaces(query_space, VectorSpaceWithBasis((one, bos)))
    right = join_vector_spaces(key_space, VectorSpaceWithBasis((one, bos)))
    c = coldness
    matrix = np.zeros((left.num_dims, right.num_dims))
    i_one, i_bos = left.index(one), left.index(bos)
    j_one, j_bos = right.index(one), right.index(bos)
    matrix[i_one, j_bos] = bos_weight * c
    if predicate is None:
        # c * (1 - bos_q) * (1 - bos_k), expanded.
        matrix[i_one, j_one] += c
        matrix[i_one, j_bos] -= c
        matrix[i_bos, j_one] -= c
        matrix[i_bos, j_bos] += c
        return ScalarBilinear(left, right, matrix)
    table = predicate if isinstance(predicate, np.ndarray) else selection_table(
        query_space, key_space, predicate
    )
    rows = [left.index(d) for d in query_space.basis]
    cols = [right.index(d) for d in key_space.basis]
    matrix[np.ix_(rows, cols)] += c * table
    return ScalarBilinear(left, right, matrix)


def value_map(
    input_space: VectorSpaceWithBasis,
    output_space: VectorSpaceWithBasis,
    numerical: bool,
) -> Linear:
    """Copy the aggregated SOp into the output subspace; BOS maps to zero (the default).

    Categorical: ``in:v -> out:v`` for each value both spaces hold. Numerical: the single
    input direction to the single output direction, so the softmax average is the mean.
    """
    if numerical:
        return Linear.from_entries(
            input_space, output_space, {(input_space.basis[0], output_space.basis[0]): 1.0}
        )
    out_by_value = {d.value: d for d in output_space.basis}
    entries = {
        (d, out_by_value[d.value]): 1.0 for d in input_space.basis if d.value in out_by_value
    }
    return Linear.from_entries(input_space, output_space, entries)


def aggregate_head(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    predicate: ValuePredicate,
    ov: Linear,
    one: BasisDirection,
    bos: BasisDirection,
    coldness: float,
    causal: bool = False,
    label: str = "",
) -> AttentionHead:
    """A head computing ``Aggregate(Select(keys, queries, predicate), sop)``.

    Each query averages ``ov`` of the selected keys; with no selected key it reads BOS, whose
    image under ``ov`` is zero, i.e. the default (None / 0).
    """
    form = selector_form(query_space, key_space, predicate, one, bos, coldness, 0.5)
    return AttentionHead(form, ov, causal=causal, label=label)


def width_head(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    predicate: ValuePredicate,
    one: BasisDirection,
    bos: BasisDirection,
    scratch: BasisDirection,
    coldness: float,
    causal: bool = False,
    label: str = "",
) -> AttentionHead:
    """The attention half of SelectorWidth: writes ``1 / (w + 1)`` into ``scratch``.

    BOS scores the same as a selected key, so it receives exactly one share of ``w + 1``; the
    value map sends the BOS token direction to ``scratch`` and everything else to zero.
    At the BOS position itself the result is 1 (BOS attends to itself alone); the MLP half
    silences that position.
    """
    form = selector_form(query_space, key_space, predicate, one, bos, coldness, 1.0)
    ov = Linear.from_entries(
        VectorSpaceWithBasis((bos,)), VectorSpaceWithBasis((scratch,)), {(bos, scratch): 1.0}
    )
    return AttentionHead(form, ov, causal=causal, label=label)


def direction_table(
    query_space: VectorSpaceWithBasis,
    key_space: VectorSpaceWithBasis,
    attn_fn: Callable[[BasisDirection, BasisDirection], float],
) -> np.ndarray:
    """``table[i, j] = attn_fn(query_space[i], key_space[j])``: the reference's predicate on
    directions, **query first** (``selection_table`` takes values, key first)."""
    table = np.zeros((query_space.num_dims, key_space.num_dims))
    for i, q_dir in enumerate(query_space.basis):
        for j, k_dir in enumerate(key_space.basis):
            table[i, j] = float(attn_fn(q_dir, k_dir))
    return table
