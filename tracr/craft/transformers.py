"""Transformer blocks over named spaces: attention heads, MLPs and a residual series.

Each block has a numpy ``apply`` that takes the residual stream of one sequence as a
``VectorInBasis`` of shape [T, d] (position 0 is BOS) and returns what the block *adds* to it,
so a construction can be tested on its own before it is assembled into a model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from tracr.craft.bases import (
    BasisError,
    VectorInBasis,
    VectorSpaceWithBasis,
    join_vector_spaces,
)
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear


@dataclasses.dataclass
class AttentionHead:
    """One head: scores ``w_qk(x_q, x_k)``, softmax over keys, then ``w_ov`` of the keys.

    The scores here are the *effective* logits; assembly divides nothing out of them, it
    pre-multiplies W_Q by sqrt(key_size) to cancel the standard scaling.
    """

    w_qk: ScalarBilinear
    w_ov: Linear
    causal: bool = False
    label: str = ""

    @property
    def residual_space(self) -> VectorSpaceWithBasis:
        return join_vector_spaces(
            self.w_qk.left_space, self.w_qk.right_space, self.w_ov.input_space,
            self.w_ov.output_space,
        )

    def pattern(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> np.ndarray:
        """Attention weights [T, T] (rows are queries)."""
        scores = self.w_qk(x, x)  # [T, T]
        t = scores.shape[-1]
        allowed = np.ones((t, t), dtype=bool) if key_mask is None else key_mask[None, :] & True
        if self.causal:
            allowed = allowed & np.tril(np.ones((t, t), dtype=bool))
        scores = np.where(allowed, scores, -np.inf)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return weights / weights.sum(axis=-1, keepdims=True)

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        values = self.w_ov(x).magnitudes  # [T, d_out]
        out = self.pattern(x, key_mask) @ values
        return VectorInBasis(self.w_ov.output_space.basis, out)


@dataclasses.dataclass
class MultiAttentionHead:
    """Heads that run in parallel in one attention sublayer; their outputs add."""

    heads: list[AttentionHead]

    @property
    def residual_space(self) -> VectorSpaceWithBasis:
        return join_vector_spaces(*(h.residual_space for h in self.heads))

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        space = self.residual_space
        total = np.zeros(x.magnitudes.shape[:-1] + (space.num_dims,))
        for head in self.heads:
            total += head.apply(x, key_mask).project(space).magnitudes
        return VectorInBasis(space.basis, total)


@dataclasses.dataclass
class MLP:
    """``snd(relu(fst(x)))``: one hidden ReLU layer between named spaces.

    Biases are expressed through the ``one`` direction of the residual (always 1), so the
    first map reads ``one`` wherever a construction needs a constant.
    """

    fst: Linear
    snd: Linear
    label: str = ""

    def __post_init__(self):
        if self.fst.output_space != self.snd.input_space:
            raise ValueError(f"MLP {self.label!r}: hidden spaces of its two maps differ")

    @property
    def residual_space(self) -> VectorSpaceWithBasis:
        return join_vector_spaces(self.fst.input_space, self.snd.output_space)

    @property
    def hidden_size(self) -> int:
        return self.fst.output_space.num_dims

    def apply(self, x: VectorInBasis) -> VectorInBasis:
        hidden = self.fst(x)
        hidden = VectorInBasis(hidden.basis_directions, np.maximum(hidden.magnitudes, 0.0))
        return self.snd(hidden)

    @classmethod
    def combine_in_parallel(cls, mlps: Sequence[MLP]) -> MLP:
        """MLPs of one sublayer side by side (their hidden spaces must be disjoint)."""
        owner: dict = {}
        for m in mlps:
            shared = [d for d in m.fst.output_space.basis if d in owner]
            if shared:
                raise BasisError(
                    f"MLPs {owner[shared[0]]!r} and {m.label!r} share hidden directions "
                    f"{[d.label for d in shared]}; give each MLP its own hidden name"
                )
            owner.update({d: m.label for d in m.fst.output_space.basis})
        return cls(
            Linear.combine_in_parallel([m.fst for m in mlps]),
            Linear.combine_in_parallel([m.snd for m in mlps]),
            label="+".join(m.label for m in mlps),
        )


Block = AttentionHead | MultiAttentionHead | MLP


@dataclasses.dataclass
class SeriesWithResiduals:
    """Blocks applied in turn, each adding its output to the residual stream."""

    blocks: list[Block]

    @property
    def residual_space(self) -> VectorSpaceWithBasis:
        return join_vector_spaces(*(b.residual_space for b in self.blocks))

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        space = join_vector_spaces(self.residual_space, x.space)
        stream = x.project(space)
        for block in self.blocks:
            out = block.apply(stream) if isinstance(block, MLP) else block.apply(stream, key_mask)
            stream = stream + out.project(space)
        return stream
