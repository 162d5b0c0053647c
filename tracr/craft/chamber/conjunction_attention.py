"""A head for a conjunction of selectors, ``And(Select(k1, q1, p1), Select(k2, q2, p2), ...)``,
scored as a sum of per-leaf scores.

The reference bundles the leaves' key SOps into one tuple SOp (and the queries likewise): an
MLP with one hidden unit per combination of values and a one-hot of every combination in the
residual. Here each leaf reads its own one-hot key and query subspaces.

Maths
-----
With m leaves, 0/1 tables ``T_l[query value, key value]`` and coldness ``c``:

    score(q, k) = c * sum_l T_l(q_l, k_l)  +  (m - 1 + beta) c [k is BOS]

A key satisfying every leaf scores ``m c``; one failing any leaf scores at most ``(m - 1) c``;
BOS scores ``(m - 1 + beta) c``. Shifted by ``(m - 1) c`` this is the reference's picture
(selected ``c``, BOS ``beta c``, others at most 0), so ``attention.default_coldness`` bounds
the leak exactly as there. ``beta = 1/2`` for Aggregate, ``1`` for SelectorWidth (BOS ties
with the selected keys). A None value has an all-zero one-hot, so its leaf adds nothing and
the key (or query) selects nothing, as the evaluator says for a conjunction. At the BOS query
every one-hot is zero: keys score 0 and BOS ``(m - 1 + beta) c >= c / 2``.

Leaves that read the same SOps simply add their tables into the same block of the bilinear
form. The width is the sum of the leaves' value counts instead of their product.
"""

from __future__ import annotations

import numpy as np

from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, join_vector_spaces
from tracr.craft.transformers import AttentionHead
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear

# One leaf: (query one-hot space, key one-hot space, table [query values, key values]).
Leaf = tuple[VectorSpaceWithBasis, VectorSpaceWithBasis, np.ndarray]


def conjunction_head(
    leaves: list[Leaf],
    ov: Linear,
    one: BasisDirection,
    bos: BasisDirection,
    coldness: float,
    bos_weight: float,
    causal: bool = False,
    label: str = "",
) -> AttentionHead:
    """The head selecting keys that satisfy every leaf (module docstring)."""
    fixed = VectorSpaceWithBasis((one, bos))
    left = join_vector_spaces(*(q for q, _, _ in leaves), fixed)
    right = join_vector_spaces(*(k for _, k, _ in leaves), fixed)
    matrix = np.zeros((left.num_dims, right.num_dims))
    for q_space, k_space, table in leaves:
        rows = [left.index(d) for d in q_space.basis]
        cols = [right.index(d) for d in k_space.basis]
        matrix[np.ix_(rows, cols)] += coldness * np.asarray(table, dtype=float)
    matrix[left.index(one), right.index(bos)] = (len(leaves) - 1 + bos_weight) * coldness
    return AttentionHead(ScalarBilinear(left, right, matrix), ov, causal=causal, label=label)
