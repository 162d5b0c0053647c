"""Stage 4: build the craft block(s) of every node, through a dispatch table on node kind.

Each SOp node gets an output space in the residual stream (``label:value`` per categorical
value, or the single direction ``label`` for a numerical SOp) and at most one attention head
and one MLP. ``tokens`` / ``indices`` / constants are written by the embeddings instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from tracr.compiler import economy
from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph, total_predicate
from tracr.compiler.nodes import ExprNode as Node  # the compiler's node (nodes.Node is a dict)
from tracr.craft.bases import BasisDirection, VectorSpaceWithBasis, value_sort_key
from tracr.craft.chamber import (
    affine_square_mlp,
    aggregate_default,
    attention,
    categorical_mlp,
    conjunction_attention,
    numerical_eq_attention,
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
    layout: str = "economical"  # or "reference": one construction per expression


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


def square_direction(label: str) -> BasisDirection:
    return BasisDirection(f"{label}__squared")


class _Builder:
    """One method per node kind; each picks the construction for its node.

    In the economical layout, ``affine`` names the nodes held as a number and its square
    (``economy.affine_queries``): their Map / SequenceMap and the heads of the EQ selectors
    reading them use the numerical constructions; every other node is built as in the
    reference layout.
    """

    def __init__(self, agraph: AnnotatedGraph, settings: CraftSettings):
        self.g = agraph
        self.s = settings
        economical = settings.layout == "economical"
        # A Map of a count is fused into the count (it saves a layer) before anything else.
        self.fused_widths = economy.fusable_widths(agraph) if economical else {}
        self.affine = economy.affine_queries(agraph, set(self.fused_widths)) if economical else {}
        self.conj = economy.conjunctions(agraph) if economical else {}
        self.unread = economy.unread_tuples(agraph, self.conj)

    def space(self, label: str) -> VectorSpaceWithBasis:
        if label in self.affine:
            return VectorSpaceWithBasis((BasisDirection(label),))
        return output_space(self.g, label)

    def build(self, node: Node) -> NodeBlocks:
        return getattr(self, f"_{node.kind}")(node)

    def _affine_query(self, node: Node) -> NodeBlocks:
        plan = self.affine[node.label]
        gate_label, a = plan.gate
        other = None if plan.other is None else (self.space(plan.other[0]), plan.other[1])
        out, square = BasisDirection(node.label), square_direction(node.label)
        mlp = affine_square_mlp.affine_square_mlp(
            (self.space(gate_label), a), other, plan.constant, out, square, ONE, self.s.bos,
            f"{node.label}__hidden", label=node.label,
        )
        return NodeBlocks(node.label, self.space(node.label), mlp=mlp,
                          extra_space=VectorSpaceWithBasis((square,)))

    def _head(self, sel_label: str, ov, bos_weight: float, label: str) -> AttentionHead:
        """The head of a selector: numerical EQ where its query is held as a number."""
        sel = self.g.graph[sel_label]
        if sel_label in self.conj:
            leaves = [(self.space(leaf.query), self.space(leaf.key),
                       _leaf_table(leaf.predicate, self.values(leaf.query),
                                   self.values(leaf.key)))
                      for leaf in self.conj[sel_label]]
            return conjunction_attention.conjunction_head(
                leaves, ov, ONE, self.s.bos, self.s.coldness, bos_weight, self.s.causal,
                label=label,
            )
        if sel.kind == "select" and sel.children[0] in self.affine:
            keys, query = sel.children
            return numerical_eq_attention.numerical_eq_key_head(
                self.space(query), BasisDirection(keys), square_direction(keys), ov, ONE,
                self.s.bos, self.s.coldness, bos_weight, self.s.causal, label=label,
            )
        if sel.kind == "select" and sel.children[1] in self.affine:
            keys, query = sel.children
            return numerical_eq_attention.numerical_eq_head(
                BasisDirection(query), square_direction(query), self.space(keys), ov, ONE,
                self.s.bos, self.s.coldness, bos_weight, self.s.causal, label=label,
            )
        q_space, k_space, pred = self._selector(sel)
        form = attention.selector_form(q_space, k_space, pred, ONE, self.s.bos,
                                       self.s.coldness, bos_weight)
        return AttentionHead(form, ov, causal=self.s.causal, label=label)

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
        if node.label in self.affine:
            return self._affine_query(node)
        if node.label in self.fused_widths:
            return self._width(node, self.g.graph[self.fused_widths[node.label]], node.f)
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
        if node.label in self.affine:
            return self._affine_query(node)
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
        if NUMERICAL != self.g.graph[fst].encoding or NUMERICAL != self.g.graph[snd].encoding \
                or node.encoding != NUMERICAL:  # a categorical result is a table of the pairs
            return self._sequence_map(node)
        out_space = self.space(node.label)
        mlp = numerical_mlp.linear_sequence_map_mlp(
            self.space(fst), self.space(snd), out_space, node.params["fst_fac"],
            node.params["snd_fac"], f"{node.label}__hidden", label=node.label,
        )
        return NodeBlocks(node.label, out_space, mlp=mlp)

    def values(self, label: str) -> list:
        return [d.value for d in self.space(label).basis]

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
        if node.label in self.unread:  # only conjunction heads read its parts
            return NodeBlocks(node.label, VectorSpaceWithBasis(()))
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
        head = self._head(sel, ov, 0.5, node.label)  # as attention.aggregate_head
        return NodeBlocks(node.label, out_space, head=head, mlp=mlp)

    def _selector_width(self, node: Node) -> NodeBlocks:
        if node.label in self.fused_widths.values():  # its one reader, a Map, computes it
            return NodeBlocks(node.label, VectorSpaceWithBasis(()))
        return self._width(node, node, lambda w: w)

    def _width(self, node: Node, width: Node, then: Callable) -> NodeBlocks:
        """SelectorWidth ``width``, then ``then`` on the count, written as ``node``'s value.

        The head writes ``1/(w+1)``; the MLP discretises it straight to ``then(w)``, so a Map
        of a count costs no MLP of its own (``economy.fusable_widths``).
        """
        (sel,) = width.children
        scratch = BasisDirection(f"{width.label}__width_scratch")
        ov = numerical_eq_attention.width_value_map(self.s.bos, scratch)
        head = self._head(sel, ov, 1.0, node.label)  # as attention.width_head
        n = self.g.max_seq_len
        out_space = self.space(node.label)
        numerical = node.encoding == NUMERICAL
        f = _safe(lambda x: then(round(1.0 / x) - 1), numerical)
        mlp = numerical_mlp.discretising_mlp(
            VectorSpaceWithBasis((scratch,)), out_space, f,
            [1.0 / (w + 1) for w in range(n + 1)], ONE, self.s.bos, f"{node.label}__hidden",
            numerical, self.s.mlp_exactness, label=node.label,
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
