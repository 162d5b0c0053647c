"""The compiler's view of a program: a graph of nodes keyed by label.

Stage results are frozen dataclasses passed from one stage to the next; nothing is mutated in
place. An ``ExprNode`` is one expression after rewriting: its kind, its children (by label) and the
few parameters its construction needs. ``expr`` keeps the user's expression for messages.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Iterable
from typing import Any

# The reference's node vocabulary: a graph of ``extract_rasp_graph`` is a ``networkx.DiGraph``
# whose node ids (``NodeID``) are expression labels and whose nodes are ``Node`` dicts with
# these keys (see ``tracr.compiler.staged``). The stages here use the ``ExprNode`` dataclass.
NodeID = str
Node = dict[str, Any]
ID = "ID"
EXPR = "EXPR"
VALUE_SET = "VALUE_SET"
OUTPUT_BASIS = "OUTPUT_BASIS"
MODEL_BLOCK = "MODEL_BLOCK"

# The default BOS and PAD tokens (``compile_rasp_to_model``'s ``compiler_bos``/``compiler_pad``).
COMPILER_BOS = "compiler_bos"
COMPILER_PAD = "compiler_pad"

CATEGORICAL = "categorical"
NUMERICAL = "numerical"

SOP_KINDS = frozenset(
    {"tokens", "indices", "map", "sequence_map", "linear_sequence_map", "full", "constant_sop",
     "aggregate", "selector_width"}
)
SELECTOR_KINDS = frozenset(
    {"select", "selector_and", "selector_or", "selector_not", "constant_selector"}
)


@dataclasses.dataclass(frozen=True)
class ExprNode:
    """One expression of the program as the compiler sees it.

    ``params`` holds what the construction needs: ``f`` for maps, ``predicate`` for selects,
    ``default`` for aggregates, ``fill``/``value`` for constants, factors for linear maps.
    """

    label: str
    name: str
    kind: str
    children: tuple[str, ...]
    encoding: str | None  # None for selectors
    expr: Any
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_selector(self) -> bool:
        return self.kind in SELECTOR_KINDS

    @property
    def f(self) -> Callable:
        return self.params["f"]

    def describe(self) -> str:
        return f"{self.kind} {self.label!r} (name {self.name!r})"


def total_predicate(pred: Callable) -> Callable[[Any, Any], bool]:
    """``pred(key, query)`` as the compiler tabulates it over value sets: False where it raises.

    The evaluator raises on every input where such a pair of values meets (``"a" < 1``), so
    those inputs lie outside the program's domain and the head may answer anything there,
    just as a Map drops the inputs its function raises on (``basis_inference``).
    """

    def holds(key, query) -> bool:
        try:
            return bool(pred(key, query))
        except Exception:  # noqa: BLE001 - any user error
            return False

    return holds


@dataclasses.dataclass(frozen=True)
class Graph:
    """Nodes in dependency order (children first) and the label of the program's output."""

    nodes: dict[str, ExprNode]
    order: tuple[str, ...]
    output: str

    def __getitem__(self, label: str) -> ExprNode:
        return self.nodes[label]

    def consumers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {label: [] for label in self.order}
        for label in self.order:
            for child in self.nodes[label].children:
                out[child].append(label)
        return out


@dataclasses.dataclass(frozen=True)
class ValueInfo:
    """What basis inference learns about one SOp node.

    ``values`` is the finite set of values it can take (None itself excluded), or None when
    the set is too large to enumerate (allowed only where nothing needs it). ``may_be_none``
    says whether the evaluator can give None at a real position. ``exact`` is False when the
    values only approximate the evaluator's floats: means of values like 0.1, whose float sums
    round (and depend on the order of the terms), and everything computed from them.
    """

    values: frozenset[Hashable] | None
    may_be_none: bool = False
    exact: bool = True
    # Values equal to one in ``values`` but of another type (``1.0``/``True`` beside ``1``,
    # ``-0.0`` beside ``0.0``): they share its direction, so nothing may tell them apart.
    # A tuple, since a set would merge them again.
    twins: tuple = ()

    @property
    def all_values(self) -> tuple:
        return (*(self.values or ()), *self.twins)


def typed_key(value: Hashable) -> tuple:
    """A key that differs for equal values of different types (and for 0.0 and -0.0)."""
    if isinstance(value, tuple):
        return (tuple, tuple(typed_key(v) for v in value))
    if isinstance(value, float):
        return (type(value), value, math.copysign(1.0, value))
    return (type(value), value)


def canonical(values: Iterable[Hashable]) -> tuple[frozenset, tuple]:
    """(one representative per class of equal values, the other members: the twins).

    The representative is chosen by type name and repr, never by hash order, so the compiled
    model does not depend on ``PYTHONHASHSEED``.
    """
    groups: dict[Hashable, dict[tuple, Hashable]] = {}
    for v in values:
        groups.setdefault(v, {})[typed_key(v)] = v
    reps, twins = set(), []
    for members in groups.values():
        ordered = sorted(members.values(), key=lambda v: (type(v).__name__, repr(v)))
        reps.add(ordered[0])
        twins.extend(ordered[1:])
    return frozenset(reps), tuple(sorted(twins, key=lambda v: (type(v).__name__, repr(v))))


@dataclasses.dataclass(frozen=True)
class AnnotatedGraph:
    """The graph plus value information and the compile settings that shaped it."""

    graph: Graph
    info: dict[str, ValueInfo]
    vocab: frozenset
    max_seq_len: int
    causal: bool
    # selector label -> it always selects each query's own position, so is never empty
    selects_self: dict[str, bool] = dataclasses.field(default_factory=dict)
