"""Stage 4: build the craft block(s) of every node, through a dispatch table on node kind.

Each SOp node gets an output space in the residual stream (``label:value`` per categorical
value, or the single direction ``label`` for a numerical SOp) and at most one attention head
and one MLP. ``tokens`` / ``indices`` / constants are written by the embeddings instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph, total_predicate
from tracr.compiler.nodes import ExprNode as Node  # the compiler's node (nodes.Node is a dict)
from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, value_sort_key
from tracr.craft.chamber import (
    aggregate_default,
    attention,
    categorical_mlp,
    numerical_mlp,
    numerical_pairs,
)
from tracr.craft.transformers import MLP, AttentionHead
from tracr.rasp import rasp

ONE = BasisDirection("one")


@dataclasses.dataclass(frozen=True)
class NodeBlocks:
    """What one node contributes to the model.

    ``embed`` is "token" or "position" for values the embeddings write (with ``embed_fn``
    mapping a token / position to its {direction: value}); ``head`` and ``mlp`` are the blocks
    computing it; ``extra_space`` holds scratch directions (SelectorWidth's 1/(w+1)).
    """

    label: str
    space: VectorSpaceWithBasis
    head: AttentionHead | None = None
    mlp: MLP | None = None
    embed: str | None = None
    embed_fn: Callable | None = None
    extra_space: VectorSpaceWithBasis | None = None


@dataclasses.dataclass(frozen=True)
class CraftSettings:
    bos: BasisDirection
    coldness: float
    mlp_exactness: float | None
    causal: bool


def sorted_values(values) -> list:
    return sorted(values, key=value_sort_key)


def output_space(agraph: AnnotatedGraph, label: str) -> VectorSpaceWithBasis:
    node = agraph.graph[label]
    if node.kind == "tokens":
        return VectorSpaceWithBasis.from_values("tokens", sorted_values(agraph.vocab))
    if node.encoding == NUMERICAL:
        return VectorSpaceWithBasis((BasisDirection(label),))
    return VectorSpaceWithBasis.from_values(label, sorted_values(agraph.info[label].values))


def _safe(f: Callable, numerical: bool) -> Callable:
    """User functions may raise on inputs the value set already dropped; write nothing there."""

    def call(*args):
        try:
            return f(*args)
        except Exception:  # noqa: BLE001
            return 0.0 if numerical else None

    return call


class _Builder:
    def __init__(self, agraph: AnnotatedGraph, settings: CraftSettings):
        self.g = agraph
        self.s = settings

    def space(self, label: str) -> VectorSpaceWithBasis:
        return output_space(self.g, label)

    def build(self, node: Node) -> NodeBlocks:
        return getattr(self, f"_{node.kind}")(node)

    def _tokens(self, node: Node) -> NodeBlocks:
        return NodeBlocks(node.label, self.space(node.label), embed="token")

    def _indices(self, node: Node) -> NodeBlocks:
        return NodeBlocks(node.label, self.space(node.label), embed="position")

    def _full(self, node: Node) -> NodeBlocks:
        space, fill = self.space(node.label), node.params["fill"]
        return NodeBlocks(node.label, space, embed="token", embed_fn=_constant(space, fill))

    def _constant_sop(self, node: Node) -> NodeBlocks:
        space, value = self.space(node.label), node.params["value"]

        def at_position(pos: int) -> dict:
            return _constant(space, value[pos - 1])(None) if 1 <= pos <= len(value) else {}

        return NodeBlocks(node.label, space, embed="position", embed_fn=at_position)

    def _map(self, node: Node) -> NodeBlocks:
        (child,) = node.children
        in_space, out_space = self.space(child), self.space(node.label)
        numerical_out = node.encoding == NUMERICAL
        f = _safe(node.f, numerical_out)
        hidden = f"{node.label}__hidden"
        if self.g.graph[child].encoding == NUMERICAL:
            mlp = numerical_mlp.discretising_mlp(
                in_space, out_space, f, sorted(self.g.info[child].values), ONE, self.s.bos,
                hidden, numerical_out, self.s.mlp_exactness, label=node.label,
            )
        elif numerical_out:
            mlp = categorical_mlp.map_categorical_to_numerical_mlp(
                in_space, out_space, f, hidden, label=node.label
            )
        else:
            mlp = categorical_mlp.categorical_lookup_mlp(in_space, out_space, f, hidden, node.label)
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def _sequence_map(self, node: Node) -> NodeBlocks:
        fst, snd = node.children
        if fst == snd:
            f = node.f
            as_map = dataclasses.replace(
                node, kind="map", children=(fst,), params={"f": lambda x: f(x, x)}
            )
            return self._map(as_map)
        out_space = self.space(node.label)
        numerical_out = node.encoding == NUMERICAL
        if NUMERICAL in (self.g.graph[fst].encoding, self.g.graph[snd].encoding):
            return self._numerical_pair_map(node)
        mlp = categorical_mlp.product_mlp(
            [self.space(fst), self.space(snd)], out_space, _safe(node.f, numerical_out), ONE,
            f"{node.label}__hidden", numerical_out, label=node.label,
        )
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def _linear_sequence_map(self, node: Node) -> NodeBlocks:
        fst, snd = node.children
        if NUMERICAL != self.g.graph[fst].encoding or NUMERICAL != self.g.graph[snd].encoding:
            return self._sequence_map(node)
        out_space = self.space(node.label)
        mlp = numerical_mlp.linear_sequence_map_mlp(
            self.space(fst), self.space(snd), out_space, node.params["fst_fac"],
            node.params["snd_fac"], f"{node.label}__hidden", label=node.label,
        )
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def _operand(self, label: str) -> numerical_pairs.Operand:
        values = self.g.info[label].values
        numerical = self.g.graph[label].encoding == NUMERICAL
        return numerical_pairs.Operand(self.space(label), numerical, sorted_values(values))

    def _numerical_pair_map(self, node: Node) -> NodeBlocks:
        """A SequenceMap with a numerical input: one MLP on a projected grid."""
        fst, snd = node.children
        out_space = self.space(node.label)
        numerical_out = node.encoding == NUMERICAL
        mlp = numerical_pairs.pair_map_mlp(
            self._operand(fst), self._operand(snd), out_space, _safe(node.f, numerical_out),
            ONE, self.s.bos, f"{node.label}__hidden", numerical_out, self.s.mlp_exactness,
            label=node.label,
        )
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def _tuple(self, node: Node) -> NodeBlocks:
        out_space = self.space(node.label)
        mlp = categorical_mlp.product_mlp(
            [self.space(c) for c in node.children], out_space, node.f, ONE,
            f"{node.label}__hidden", label=node.label,
        )
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def _selector(self, node: Node) -> tuple[VectorSpaceWithBasis, VectorSpaceWithBasis, object]:
        keys, queries = node.children
        q_space, k_space = self.space(queries), self.space(keys)
        pred = node.params["predicate"]
        if pred == rasp.Comparison.TRUE:
            return q_space, k_space, None
        if node.params.get("composite"):
            return q_space, k_space, composite_table(node, q_space, k_space)
        table = _comparison_table(pred, q_space, k_space)
        return q_space, k_space, total_predicate(pred) if table is None else table

    def _aggregate(self, node: Node) -> NodeBlocks:
        sel, sop = node.children
        q_space, k_space, pred = self._selector(self.g.graph[sel])
        out_space = self.space(node.label)
        numerical = node.encoding == NUMERICAL
        ov = attention.value_map(self.space(sop), out_space, numerical)
        default = node.params["default"]
        mlp = None
        free = default is None or (numerical and default == 0)  # what BOS's zero decodes to
        if not self.g.selects_self[sel] and not free:
            # A default the empty selection must show: BOS carries it (aggregate_default).
            vec = aggregate_default.default_vector(out_space, default, numerical)
            ov = aggregate_default.value_map_with_default(ov, self.s.bos, vec)
            mlp = aggregate_default.bos_cleanup_mlp(
                out_space, self.s.bos, vec, f"{node.label}__default", label=node.label
            )
        head = attention.aggregate_head(
            q_space, k_space, pred, ov, ONE, self.s.bos, self.s.coldness, self.s.causal,
            label=node.label,
        )
        return NodeBlocks(node.label, out_space, head=head, mlp=mlp)

    def _selector_width(self, node: Node) -> NodeBlocks:
        (sel,) = node.children
        q_space, k_space, pred = self._selector(self.g.graph[sel])
        scratch = BasisDirection(f"{node.label}__width_scratch")
        head = attention.width_head(
            q_space, k_space, pred, ONE, self.s.bos, scratch, self.s.coldness, self.s.causal,
            label=node.label,
        )
        n = self.g.max_seq_len
        out_space = self.space(node.label)
        mlp = numerical_mlp.width_mlp(
            scratch, out_space, range(n + 1), ONE, self.s.bos, f"{node.label}__hidden",
            node.encoding == NUMERICAL, self.s.mlp_exactness, label=node.label,
        )
        return NodeBlocks(node.label, out_space, head=head, mlp=mlp,
                          extra_space=VectorSpaceWithBasis((scratch,)))


_NUMPY_COMPARISONS = {
    "EQ": np.equal, "NEQ": np.not_equal, "LT": np.less, "LEQ": np.less_equal,
    "GT": np.greater, "GEQ": np.greater_equal,
}


def _comparison_table(pred, q_space, k_space) -> np.ndarray | None:
    """A Comparison on numbers, vectorised (``LT`` is key < query); None where not possible.

    Large selectors (sort keys at max_seq_len 64 take thousands of values) would otherwise
    call the predicate millions of times.
    """
    op = _NUMPY_COMPARISONS.get(getattr(pred, "name", None))
    if not isinstance(pred, rasp.Comparison) or op is None:
        return None
    q_values = [d.value for d in q_space.basis]
    k_values = [d.value for d in k_space.basis]
    if not all(isinstance(v, int | float) and abs(v) < 2**52 for v in q_values + k_values):
        return None  # floats compare these exactly
    keys, queries = np.asarray(k_values, dtype=float), np.asarray(q_values, dtype=float)
    return op(keys[None, :], queries[:, None])


def _part_values(space: VectorSpaceWithBasis, parts: tuple[str, ...], part: str) -> list:
    """The ``part`` component of each direction's value (values are tuples over ``parts``)."""
    if len(parts) == 1:
        return [d.value for d in space.basis]
    i = parts.index(part)
    return [d.value[i] for d in space.basis]


def _leaf_table(pred: Callable, q_values: list, k_values: list) -> np.ndarray:
    """``pred`` on every (key, query) pair, evaluated once per distinct pair of values."""
    uq, q_idx = _unique(q_values)
    uk, k_idx = _unique(k_values)
    holds = total_predicate(pred)
    small = np.array([[holds(k, q) for k in uk] for q in uq], dtype=bool)
    small = small.reshape(len(uq), len(uk))  # 2-D even when an SOp never has a value
    return small[np.ix_(q_idx, k_idx)]


def _unique(values: list) -> tuple[list, np.ndarray]:
    index: dict = {}
    idx = np.array([index.setdefault(v, len(index)) for v in values], dtype=int)
    return list(index), idx


def composite_table(node: Node, q_space, k_space) -> np.ndarray:
    """The selection table [query values, key values] of a flattened composite selector.

    Each leaf is evaluated on the small table of its own key and query components, broadcast
    to the tuple values, and the leaves are combined with the selector's boolean formula.
    """
    p = node.params
    tables = {}
    for leaf, (k_part, q_part) in p["leaf_reads"].items():
        q_values = _part_values(q_space, p["query_parts"], q_part)
        k_values = _part_values(k_space, p["key_parts"], k_part)
        tables[leaf] = _leaf_table(p["leaf_preds"][leaf], q_values, k_values)
    return np.asarray(p["formula"](tables), dtype=bool)


def _constant(space: VectorSpaceWithBasis, value) -> Callable:
    def embed(_key) -> dict:
        if value is None:
            return {}
        if len(space.basis) == 1 and space.basis[0].value is None:
            return {space.basis[0]: float(value)}
        return {BasisDirection(space.basis[0].name, value): 1.0}

    return embed


def build_blocks(agraph: AnnotatedGraph, settings: CraftSettings) -> dict[str, NodeBlocks]:
    """Blocks for every SOp node, keyed by label (selectors live inside their heads)."""
    builder = _Builder(agraph, settings)
    return {
        label: builder.build(agraph.graph[label])
        for label in agraph.graph.order
        if not agraph.graph[label].is_selector
    }


def coldness_for(max_seq_len: int) -> float:
    return attention.default_coldness(max_seq_len)


__all__ = ["NodeBlocks", "CraftSettings", "build_blocks", "coldness_for", "output_space"]
