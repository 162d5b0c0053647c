"""How big a benchmark row will be, before building its model.

Tracing and value-set inference are cheap; from the value sets we bound the residual width
(``d_model``), the MLP hidden units (the sum over every MLP, which bounds any one layer's
width from above), and the depth (the longest chain of heads and MLPs). The bytes a row needs
are dominated by the MLP weights (every layer's MLP is as wide as the widest) and by the
activations of the verification batch, ``[batch, max_seq_len + 1, hidden]``. The estimate is an
upper bound in the shapes; the point is to skip rows that would need gigabytes, not to be exact.
"""

from __future__ import annotations

import dataclasses
import warnings

from tracr.compiler import basis_inference, rasp_to_graph, selectors
from tracr.compiler.nodes import AnnotatedGraph

BYTES = 8  # float64
ATTN_KINDS = {"aggregate", "selector_width"}
MLP_KINDS = {"map", "sequence_map", "linear_sequence_map", "selector_width"}


@dataclasses.dataclass(frozen=True)
class Estimate:
    d_model: int
    mlp_hidden: int  # summed over every MLP: at least the widest layer's
    layers: int
    batch: int
    max_seq_len: int

    @property
    def nbytes(self) -> int:
        t = self.max_seq_len + 1
        weights = self.layers * (2 * self.d_model * self.mlp_hidden + 4 * self.d_model**2)
        acts = self.batch * t * (self.mlp_hidden + 4 * self.layers * self.d_model)
        return BYTES * (weights + acts)

    @property
    def gib(self) -> float:
        return self.nbytes / 2**30


def _size(ag: AnnotatedGraph, label: str) -> int:
    info = ag.info.get(label)
    if info is None or info.values is None:
        return 1
    node = ag.graph.nodes[label]
    return 1 if node.encoding == "numerical" else max(1, len(info.values))


def _steps(ag: AnnotatedGraph, node) -> int:
    """Where a Map of a numerical input changes value along its sorted inputs: each change
    is one step of the discretising MLP (two ReLUs)."""
    values = sorted(v for v in (ag.info[node.children[0]].values or ()) if v is not None)
    f = node.params.get("f")
    outs = []
    for v in values:
        try:
            outs.append(f(v))
        except Exception:  # the compiler drops such inputs too
            outs.append(None)
    return sum(a != b for a, b in zip(outs, outs[1:], strict=False)) + 1


def _hidden(ag: AnnotatedGraph, label: str) -> int:
    node = ag.graph.nodes[label]
    ins = [_size(ag, c) for c in node.children if not ag.graph.nodes[c].is_selector]
    if node.kind == "sequence_map":
        return ins[0] * ins[1]
    if node.kind == "map":
        if ag.graph.nodes[node.children[0]].encoding == "numerical":
            return 2 * _steps(ag, node)
        return max(ins[0], _size(ag, label))
    if node.kind == "selector_width":
        return 2 * (ag.max_seq_len + 1)
    return 4 if node.kind == "linear_sequence_map" else 0


def _layers(ag: AnnotatedGraph) -> int:
    """Each node in the earliest sublayer of its kind after its inputs (as allocation does):
    sublayer 2k is layer k's attention, 2k+1 its MLP; a SelectorWidth takes both."""
    end: dict[str, int] = {}  # label -> the sublayer after the one that computes it
    for label in ag.graph.order:
        node = ag.graph.nodes[label]
        start = max((end[c] for c in node.children), default=0)
        if node.kind in ATTN_KINDS:
            start += start % 2  # next attention sublayer
            end[label] = start + (2 if node.kind == "selector_width" else 1)
        elif node.kind in MLP_KINDS:
            start += 1 - start % 2  # next MLP sublayer
            end[label] = start + 1
        else:
            end[label] = start
    return max(1, (max(end.values(), default=0) + 1) // 2)


def estimate(program, vocab: frozenset, max_seq_len: int, batch: int) -> Estimate:
    """The shapes of ``program`` compiled at ``vocab`` / ``max_seq_len``, without compiling it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = selectors.flatten_selectors(rasp_to_graph.trace(program))
        ag = basis_inference.infer_bases(graph, vocab, max_seq_len, False)
    sops = [lab for lab in ag.graph.order if not ag.graph.nodes[lab].is_selector]
    d_model = sum(_size(ag, lab) for lab in sops) + len(vocab) + 2 + max_seq_len + 1
    hidden = sum(_hidden(ag, lab) for lab in sops)
    layers = _layers(ag)
    return Estimate(d_model, hidden, layers, batch, max_seq_len)
