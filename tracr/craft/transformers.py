"""Transformer blocks over named spaces: attention heads, MLPs and a residual series.

Each block has a ``residual_space`` (the directions it reads and writes; by default the
smallest space holding its maps' spaces) and a numpy ``apply`` that takes the residual stream
of one sequence as a ``VectorInBasis`` of shape [T, d] (position 0 is BOS) and returns what
the block *adds* to it, in ``residual_space`` — so a construction can be tested on its own
before it is assembled into a model. ``SeriesWithResiduals.apply`` returns the stream itself
after every block has added its output. The names, arguments and order are the reference's.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np

from tracr.craft.bases import (
    BasisError,
    VectorInBasis,
    VectorSpaceWithBasis,
    join_vector_spaces,
)
from tracr.craft.vectorspace_fns import Linear, ScalarBilinear


def relu(x: VectorInBasis) -> VectorInBasis:
    """``max(x, 0)`` elementwise, in the same basis."""
    return x.copy_with_new_magnitudes(np.maximum(x.magnitudes, 0.0))


def _residual(
    given: VectorSpaceWithBasis | None, kind: str, *spaces: VectorSpaceWithBasis
) -> VectorSpaceWithBasis:
    """``given``, checked to hold every space a block reads or writes, or their join."""
    needed = join_vector_spaces(*spaces)
    if given is None:
        return needed
    missing = [d.label for d in needed.basis if d not in given]
    if missing:
        raise BasisError(f"{kind}: residual_space lacks directions its maps use: {missing}")
    return given


class Block(abc.ABC):
    """A block of a transformer over named spaces (the reference's base class)."""

    residual_space: VectorSpaceWithBasis

    @abc.abstractmethod
    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        """What the block adds to the residual stream ``x`` [T, d], in ``residual_space``.

        ``key_mask`` [T] (attention only) marks the positions a head may attend to.
        """


@dataclasses.dataclass
class AttentionHead(Block):
    """One head: scores ``w_qk(x_q, x_k)``, softmax over keys, then ``w_ov`` of the keys.

    The scores here are the *effective* logits; assembly divides nothing out of them, it
    pre-multiplies W_Q by sqrt(key_size) to cancel the standard scaling. ``causal`` lets a
    query attend only to itself and earlier keys.
    """

    w_qk: ScalarBilinear
    w_ov: Linear
    residual_space: VectorSpaceWithBasis | None = None
    causal: bool = False
    label: str = ""

    def __post_init__(self):
        self.residual_space = _residual(
            self.residual_space, f"AttentionHead {self.label!r}", self.w_qk.left_space,
            self.w_qk.right_space, self.w_ov.input_space, self.w_ov.output_space,
        )

    @property
    def w_ov_residual(self) -> Linear:
        """``w_ov`` as a map from the residual space to itself."""
        rows = [self.residual_space.index(d) for d in self.w_ov.input_space.basis]
        cols = [self.residual_space.index(d) for d in self.w_ov.output_space.basis]
        matrix = np.zeros((self.residual_space.num_dims,) * 2)
        matrix[np.ix_(rows, cols)] = self.w_ov.matrix
        return Linear(self.residual_space, self.residual_space, matrix)

    @property
    def num_heads(self) -> int:
        return 1

    def heads(self) -> Iterator[AttentionHead]:
        yield self

    def as_multi(self) -> MultiAttentionHead:
        return MultiAttentionHead([self])

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
        out = VectorInBasis(self.w_ov.output_space.basis, self.pattern(x, key_mask) @ values)
        return out.project(self.residual_space)


@dataclasses.dataclass
class MultiAttentionHead(Block):
    """Heads that run in parallel in one attention sublayer; their outputs add.

    ``sub_blocks`` may hold heads and other multi-heads; ``heads()`` yields the heads.
    """

    sub_blocks: list[AttentionHead | MultiAttentionHead]

    def __post_init__(self):
        self.sub_blocks = list(self.sub_blocks)
        self.residual_space = join_vector_spaces(*(b.residual_space for b in self.sub_blocks))

    def heads(self) -> Iterator[AttentionHead]:
        for block in self.sub_blocks:
            yield from block.heads()

    @property
    def num_heads(self) -> int:
        return sum(b.num_heads for b in self.sub_blocks)

    def as_multi(self) -> MultiAttentionHead:
        return self

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        space = self.residual_space
        total = np.zeros(x.magnitudes.shape[:-1] + (space.num_dims,))
        for head in self.heads():
            total += head.apply(x, key_mask).project(space).magnitudes
        return VectorInBasis(space.basis, total)


@dataclasses.dataclass
class MLP(Block):
    """``snd(relu(fst(x)))``: one hidden ReLU layer between named spaces.

    Biases are expressed through the ``one`` direction of the residual (always 1), so the
    first map reads ``one`` wherever a construction needs a constant.
    """

    fst: Linear
    snd: Linear
    residual_space: VectorSpaceWithBasis | None = None
    label: str = ""

    def __post_init__(self):
        if self.fst.output_space != self.snd.input_space:
            raise BasisError(f"MLP {self.label!r}: hidden spaces of its two maps differ")
        self.residual_space = _residual(
            self.residual_space, f"MLP {self.label!r}", self.fst.input_space,
            self.snd.output_space,
        )

    @property
    def hidden_size(self) -> int:
        return self.fst.output_space.num_dims

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        return self.snd(relu(self.fst(x))).project(self.residual_space)

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


# The blocks of one sublayer (the reference's name).
HalfLayerBlock = MLP | AttentionHead | MultiAttentionHead


@dataclasses.dataclass
class SeriesWithResiduals(Block):
    """Blocks applied in turn, each adding its output to the residual stream."""

    blocks: list[Block]

    def __post_init__(self):
        self.blocks = list(self.blocks)
        self.residual_space = join_vector_spaces(*(b.residual_space for b in self.blocks))

    def apply(self, x: VectorInBasis, key_mask: np.ndarray | None = None) -> VectorInBasis:
        """The stream after every block (directions of ``x`` outside the blocks are kept).

        A nested series returns a stream, not an addition, so it replaces the stream.
        """
        space = join_vector_spaces(self.residual_space, x.space)
        stream = x.project(space)
        for block in self.blocks:
            out = block.apply(stream, key_mask).project(space)
            stream = out if isinstance(block, SeriesWithResiduals) else stream + out
        return stream
