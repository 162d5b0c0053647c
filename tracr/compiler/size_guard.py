"""Part of validation: refuse, before any weight is built, a model too large to hold.

The estimate is read off the value sets: the residual stream has one direction per value of
every categorical SOp (plus tokens, indices, ``one``), each MLP hidden units as its
construction needs them, each head a query/key and a value/output map as wide as the smaller
of its two spaces. Every weight matrix spans the residual width, so the parameter count is
about ``d_model * (embedding rows + 2 * sum of MLP widths + 4 * sum of head widths)``. It is
a lower bound: layers pad their MLPs and heads to the widest, which the estimate ignores. The
per-kind widths in ``_mlp_width`` follow the constructions in ``craft/chamber`` and must be
kept in step with them (a cheaper construction only makes the estimate safer). Being a lower
bound, it only refuses early; ``compiling`` checks the exact size (``sizing``) once the blocks
are built and before the full-width weights are assembled.
"""

from __future__ import annotations

import dataclasses
import math

from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph, ExprNode
from tracr.errors import CompilerError

DEFAULT_MAX_PARAMS = 200_000_000  # estimated (a lower bound): 1.6 GB of float64 weights or more


@dataclasses.dataclass(frozen=True)
class Estimate:
    params: int
    d_model: int
    largest: str  # the expression (or embedding) holding the most parameters
    largest_params: int


def _count(agraph: AnnotatedGraph, label: str) -> int:
    """Directions of an SOp (one if numerical; its values if categorical)."""
    node = agraph.graph[label]
    if node.kind == "tokens":
        return len(agraph.vocab) + 2
    if node.encoding == NUMERICAL:
        return 1
    info = agraph.info.get(label)
    return len(info.values) if info is not None and info.values is not None else 1


def _mlp_width(agraph: AnnotatedGraph, node: ExprNode) -> int:
    counts = [_count(agraph, c) for c in node.children]
    if node.kind == "map":
        return 1 + 2 * counts[0] if agraph.graph[node.children[0]].encoding == NUMERICAL \
            else counts[0]
    if node.kind == "linear_sequence_map" and agraph.graph[node.children[0]].encoding == NUMERICAL:
        return 4
    if node.kind in ("sequence_map", "linear_sequence_map", "tuple"):
        return math.prod(counts)
    if node.kind == "selector_width":
        return 1 + 2 * (agraph.max_seq_len + 1)
    return 0


def _head_width(agraph: AnnotatedGraph, node: ExprNode) -> int:
    if node.kind not in ("aggregate", "selector_width"):
        return 0
    select = agraph.graph[node.children[0]]
    kq = min((_count(agraph, c) for c in select.children if c in agraph.info), default=1)
    ov = _count(agraph, node.label) if node.kind == "aggregate" else 1
    return kq + ov


def estimate(agraph: AnnotatedGraph) -> Estimate:
    sops = [agraph.graph[lab] for lab in agraph.graph.order if not agraph.graph[lab].is_selector]
    n = agraph.max_seq_len
    d_model = 1 + n + sum(_count(agraph, s.label) for s in sops if s.kind != "indices")
    d_model += sum(1 for s in sops if s.kind == "selector_width")  # scratch directions
    # The token and position embeddings count towards tokens and indices.
    rows = {"tokens": len(agraph.vocab) + 2, "indices": n + 1}
    per_part = {s.describe(): (_count(agraph, s.label) + 2 * _mlp_width(agraph, s)
                               + 4 * _head_width(agraph, s) + rows.get(s.kind, 0)) * d_model
                for s in sops}
    kinds = {s.kind for s in sops}
    names = {"tokens": "the token embedding", "indices": "the position embedding"}
    per_part |= {names[k]: rows[k] * d_model for k in rows if k not in kinds}
    top = max(per_part, key=per_part.get)
    return Estimate(sum(per_part.values()), d_model, top, per_part[top])


def check(agraph: AnnotatedGraph, max_params: int | None) -> None:
    """Raise ``CompilerError`` when the estimate exceeds ``max_params`` (None: no limit)."""
    if max_params is None:
        return
    est = estimate(agraph)
    if est.params <= max_params:
        return
    where = f"; the largest part is {est.largest} with about {est.largest_params:,} parameters"
    raise CompilerError(
        f"the compiled model would have at least {est.params:,} parameters "
        f"({est.params * 8 / 1e9:.2g} GB in float64, residual width {est.d_model:,}, "
        f"{agraph.max_seq_len:,} of them position directions), above "
        f"max_params={max_params:,}{where}. Lower max_seq_len or the vocabulary, or pass a "
        "larger max_params (None: no limit) if the machine can hold it"
    )
