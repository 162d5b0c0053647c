"""Datasets: random RASP programs, typed, built from the frontend's function catalogue.

``sample(config, rng)`` grows one program an operation at a time. Every s-op carries its kind
(int, bool, str), its value set, whether it can be None and whether it is numerical, so each
operation is drawn to suit its inputs: Maps and SequenceMaps from ``tracr.frontend.catalogue``
(so every program can be written out with ``dumps``), LinearSequenceMaps of numerical s-ops,
Selects with every comparison (constant queries as ``Full``), composite selectors (and, or,
not), categorical Aggregates through a selector that picks at most one key, numerical
Aggregates (means) through any selector, and SelectorWidth. Each new operation reads the
previous one (the "frontier") unless that would exceed ``max_depth``, so the output uses most
of what was built. Nothing here draws randomness except through ``rng``, and every node is
named from a counter, so a program depends only on (config, rng state).

A candidate the sampler cannot finish raises ``Rejected`` with a short reason that the
generator counts.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

from tracr.frontend import catalogue as cat
from tracr.rasp import rasp

OPERATIONS = ("map", "sequence_map", "linear_sequence_map", "aggregate",
              "numerical_aggregate", "selector_width")  # fmt: skip
DEFAULT_MIX = {
    "map": 4.0, "sequence_map": 2.0, "linear_sequence_map": 1.0, "aggregate": 3.0,
    "numerical_aggregate": 2.0, "selector_width": 2.0,
    # Probabilities, not weights: a new selector is composite / a Select query is a constant.
    "composite": 0.3, "constant": 0.2,
}  # fmt: skip
_COMPARISONS = tuple(rasp.Comparison)
# FALSE selects nothing, so it mostly makes trivial programs: drawn, but rarely.
_COMPARISON_WEIGHTS = tuple(0.2 if c is rasp.Comparison.FALSE else 1.0 for c in _COMPARISONS)
_LINEAR_FACTORS = ((1, 1), (1, -1), (2, 1), (1, 0.5), (-1, 1))


class Rejected(Exception):
    """The sampler gave up on a candidate; ``reason`` is a short, countable phrase."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class SamplerConfig:
    """What programs look like: vocabulary, length, size, depth and the mix of operations."""

    vocab: tuple[Any, ...] = (0, 1, 2, 3, 4)
    max_seq_len: int = 8
    min_ops: int = 5
    max_ops: int = 15
    max_depth: int = 12
    max_values: int = 16  # the largest value set a categorical s-op may take
    mix: tuple[tuple[str, float], ...] = tuple(DEFAULT_MIX.items())

    def __post_init__(self) -> None:
        from tracr.errors import DatasetError

        if not self.vocab:
            raise DatasetError("the vocabulary is empty; give at least one token")
        if not 1 <= self.min_ops <= self.max_ops:
            raise DatasetError(f"need 1 <= min_ops <= max_ops, got {self.min_ops}..{self.max_ops}")
        if self.max_seq_len < 1 or self.max_depth < 1:
            raise DatasetError("max_seq_len and max_depth must be at least 1")
        unknown = set(dict(self.mix)) - set(DEFAULT_MIX)
        if unknown:
            raise DatasetError(
                f"unknown operations in the mix: {sorted(unknown)}; known: {sorted(DEFAULT_MIX)}"
            )
        if not any(dict(self.mix).get(op, 0) > 0 for op in OPERATIONS):
            raise DatasetError(f"the mix gives no operation a positive weight ({OPERATIONS})")

    def weight(self, name: str) -> float:
        return dict(self.mix).get(name, DEFAULT_MIX[name] if name not in OPERATIONS else 0.0)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["vocab"], d["mix"] = list(self.vocab), dict(self.mix)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SamplerConfig:
        d = dict(d)
        d["vocab"], d["mix"] = tuple(d["vocab"]), tuple(dict(d["mix"]).items())
        return cls(**d)


@dataclasses.dataclass(frozen=True)
class Node:
    """An s-op or selector of the program being built, with what the sampler knows of it."""

    expr: rasp.RASPExpr
    kind: str | None = None  # int / bool / str for s-ops; None for selectors
    values: frozenset | None = None  # None when unknown (means)
    maybe_none: bool = False
    depth: int = 0
    functional: bool = False  # a selector that selects at most one key per query

    @property
    def numerical(self) -> bool:
        return rasp.is_numerical(self.expr)


@dataclasses.dataclass(frozen=True)
class Sample:
    program: rasp.SOp
    n_ops: int
    depth: int


def _kind_of(values: frozenset) -> str:
    if all(isinstance(v, bool) for v in values):
        return cat.BOOL
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return cat.INT
    return cat.STR if all(isinstance(v, str) for v in values) else cat.ANY


class _Builder:
    def __init__(self, config: SamplerConfig, rng: random.Random):
        self.config, self.rng = config, rng
        vocab = frozenset(config.vocab)
        n = config.max_seq_len
        self.sops = [Node(rasp.tokens, _kind_of(vocab), vocab),
                     Node(rasp.indices, cat.INT, frozenset(range(n)))]  # fmt: skip
        self.frontier = self.sops[0]
        self.count = 0

    # Naming and picking.

    def add(self, expr: rasp.RASPExpr, prefix: str, **info: Any) -> Node:
        if info.get("depth", 0) > self.config.max_depth:
            raise Rejected("deeper than max_depth")
        self.count += 1
        node = Node(expr.named(f"{prefix}{self.count}"), **info)
        if node.kind is not None and not isinstance(expr, rasp.Full):
            self.sops.append(node)
            self.frontier = node
        return node

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, ok: Callable[[Node], bool], first: bool = False) -> Node:
        """The frontier when it suits (for the first operand), else a recent suitable s-op."""
        deep = self.config.max_depth
        if first and ok(self.frontier) and self.frontier.depth < deep and self.chance(0.85):
            return self.frontier
        pool = [s for s in self.sops if ok(s) and s.depth < deep]
        if not pool:
            raise Rejected("no s-op suits the operation")
        return self.rng.choices(pool, weights=range(1, len(pool) + 1))[0]

    def depth(self, *nodes: Node) -> int:
        return 1 + max(n.depth for n in nodes)


def _categorical(node: Node) -> bool:
    return not node.numerical and node.values is not None


def _apply(fn: Callable[..., Any], *sets: frozenset) -> frozenset | None:
    """The value set of ``fn`` over the product of ``sets``; None if it raises anywhere."""
    out: set[Any] = set()
    try:
        if len(sets) == 1:
            out = {fn(x) for x in sets[0]}
        else:
            out = {fn(x, y) for x in sets[0] for y in sets[1]}
    except Exception:  # noqa: BLE001 - a catalogue function unsuited to these values
        return None
    return frozenset(out)


def _unary_candidates(b: _Builder, node: Node) -> list[cat.CatalogueFunction]:
    """Catalogue functions suiting ``node``'s kind, with constants drawn from its values."""
    values = sorted(node.values, key=repr)
    c = b.rng.choice(values)
    small = b.rng.choice([1, 2, 3])
    pair = sorted({b.rng.choice(values), b.rng.choice(values)}, key=repr)
    fns = [cat.add_const(small), cat.sub_const(small), cat.const_sub(small), cat.mul_const(2),
           cat.mod_const(b.rng.choice([2, 3, 4])), cat.negate(), cat.absolute(), cat.half(),
           cat.less_than(c), cat.greater_than(c), cat.equals(c), cat.not_equals(c),
           cat.member(pair), cat.logical_not()]  # fmt: skip
    return [f for f in fns if node.kind in f.takes]


def _useful(values: frozenset | None, limit: int) -> bool:
    return values is not None and 2 <= len(values) <= limit


def add_map(b: _Builder) -> Node:
    if b.chance(0.15):
        return _map_of_numerical(b)
    src = b.pick(_categorical, first=True)
    fns = _unary_candidates(b, src)
    b.rng.shuffle(fns)
    for fn in fns:
        values = _apply(fn, src.values)
        if not _useful(values, b.config.max_values):
            continue
        if not all(fn(v) == v and type(fn(v)) is type(v) for v in src.values):  # not identity
            return b.add(rasp.Map(fn, src.expr), "map", kind=_kind_of(values), values=values,
                         maybe_none=src.maybe_none, depth=b.depth(src))  # fmt: skip
    raise Rejected("no catalogue function gives a Map of two or more values")


def _map_of_numerical(b: _Builder) -> Node:
    """A threshold on a numerical s-op (``frac > 0.5``): the compiler discretises it."""
    src = b.pick(lambda s: s.numerical and not s.maybe_none, first=True)
    fn = b.rng.choice([cat.greater_than, cat.less_than])(b.rng.choice([0, 0.5, 1]))
    return b.add(rasp.Map(fn, src.expr), "map", kind=cat.BOOL,
                 values=frozenset({True, False}), depth=b.depth(src))  # fmt: skip


def add_sequence_map(b: _Builder) -> Node:
    x = b.pick(_categorical, first=True)
    y = b.pick(lambda s: _categorical(s) and s is not x)
    if len(x.values) * len(y.values) > 4 * b.config.max_values:
        raise Rejected("SequenceMap inputs take too many value pairs")
    fns = [f for f in cat.BINARY.values() if x.kind in f.takes and y.kind in f.takes]
    b.rng.shuffle(fns)
    for fn in fns:
        if x.kind != y.kind:  # typed: no True + 1, no 1 == True
            continue
        values = _apply(fn, x.values, y.values)
        if _useful(values, b.config.max_values):
            return b.add(rasp.SequenceMap(fn, x.expr, y.expr), "sequence_map",
                         kind=_kind_of(values), values=values,
                         maybe_none=x.maybe_none or y.maybe_none, depth=b.depth(x, y))
    raise Rejected("no catalogue function gives a SequenceMap of two or more values")


def _is_indicator(node: Node) -> bool:
    return node.numerical and node.values is not None and node.values <= {0, 1}


def _numerical_source(b: _Builder, indicator: bool = False) -> Node:
    """A numerical s-op: an existing one, or a new 0/1 indicator of a categorical one.

    Means are taken of 0/1 indicators only: the compiler enumerates the possible means of
    what it averages, and means of arbitrary numbers (or of means) multiply fast.
    """
    ok = _is_indicator if indicator else (lambda s: s.numerical and not s.maybe_none)
    if any(ok(s) for s in b.sops) and b.chance(0.6):
        return b.pick(ok, first=True)
    src = b.pick(lambda s: _categorical(s) and not s.maybe_none, first=True)
    if src.kind == cat.BOOL:
        fn = cat.indicator()
    else:
        fn = cat.indicator_eq(b.rng.choice(sorted(src.values, key=repr)))
    return b.add(rasp.numerical(rasp.Map(fn, src.expr)), "indicator", kind=cat.INT,
                 values=frozenset({0, 1}), depth=b.depth(src))  # fmt: skip


def add_linear_sequence_map(b: _Builder) -> Node:
    x = _numerical_source(b)
    y = b.pick(lambda s: s.numerical and not s.maybe_none and s is not x)
    fa, fb = b.rng.choice(_LINEAR_FACTORS)
    expr = rasp.numerical(rasp.LinearSequenceMap(x.expr, y.expr, fa, fb))
    return b.add(expr, "linear", kind=cat.INT, depth=b.depth(x, y))


def _select(b: _Builder, functional: bool) -> Node:
    if functional:
        keys = b.sops[1]  # indices: each query matches at most one key
        # Not indices itself: Aggregate(Select(indices, indices, ==), x) is x.
        queries = b.pick(lambda s: _categorical(s) and s.kind == cat.INT and s is not keys,
                         first=True)  # fmt: skip
        comparison = rasp.Comparison.EQ
    else:
        # Keys and queries of one kind: Python's True == 1 is no comparison to learn from.
        keys = b.pick(_categorical)
        comparison = b.rng.choices(_COMPARISONS, weights=_COMPARISON_WEIGHTS)[0]
        if b.chance(b.config.weight("constant")):
            queries = _constant_query(b, keys)
        else:
            queries = b.pick(lambda s: _categorical(s) and s.kind == keys.kind, first=True)
    expr = rasp.Select(keys.expr, queries.expr, comparison)
    return b.add(expr, "select", depth=b.depth(keys, queries), functional=functional,
                 maybe_none=keys.maybe_none or queries.maybe_none)  # fmt: skip


def _constant_query(b: _Builder, keys: Node) -> Node:
    fill = b.rng.choice(sorted(keys.values, key=repr))
    return b.add(rasp.Full(fill), "full", kind=keys.kind, values=frozenset({fill}))


def _selector(b: _Builder, functional: bool = False) -> Node:
    first = _select(b, functional)
    # A head cannot see None, so the compiler refuses a composite that None could make true.
    if first.maybe_none or not b.chance(b.config.weight("composite")):
        return first
    if not functional and b.chance(0.3):
        return b.add(rasp.SelectorNot(first.expr), "select_not", depth=first.depth + 1)
    second = _select(b, False)
    if second.maybe_none:
        return first
    if functional or b.chance(0.5):  # and-ing with anything keeps at most one key
        expr, prefix = rasp.SelectorAnd(first.expr, second.expr), "select_and"
    else:
        expr, prefix = rasp.SelectorOr(first.expr, second.expr), "select_or"
    return b.add(expr, prefix, depth=b.depth(first, second), functional=functional)


def add_aggregate(b: _Builder) -> Node:
    selector = _selector(b, functional=True)
    src = b.pick(_categorical)
    expr = rasp.categorical(rasp.Aggregate(selector.expr, src.expr, default=None))
    return b.add(expr, "aggregate", kind=src.kind, values=src.values, maybe_none=True,
                 depth=b.depth(selector, src))  # fmt: skip


def add_numerical_aggregate(b: _Builder) -> Node:
    src = _numerical_source(b, indicator=True)
    selector = _selector(b)
    expr = rasp.numerical(rasp.Aggregate(selector.expr, src.expr, default=0))
    return b.add(expr, "mean", kind=cat.INT, depth=b.depth(selector, src))


def add_selector_width(b: _Builder) -> Node:
    selector = _selector(b)
    values = frozenset(range(b.config.max_seq_len + 1))
    return b.add(rasp.SelectorWidth(selector.expr), "width", kind=cat.INT, values=values,
                 depth=selector.depth + 1)  # fmt: skip


_ADD: dict[str, Callable[[_Builder], Node]] = {
    "map": add_map,
    "sequence_map": add_sequence_map,
    "linear_sequence_map": add_linear_sequence_map,
    "aggregate": add_aggregate,
    "numerical_aggregate": add_numerical_aggregate,
    "selector_width": add_selector_width,
}


def count_ops(program: rasp.RASPExpr) -> tuple[int, int]:
    """(operations, depth): expressions other than tokens/indices/length, and the longest
    path from a leaf to the output."""
    depth: dict[int, int] = {}
    ops = 0
    for node in rasp.topological_sort(program):
        primitive = isinstance(node, rasp.TokensType | rasp.IndicesType | rasp.LengthType)
        ops += not primitive
        below = [depth[c.unique_id] for c in node.children]
        depth[node.unique_id] = 1 + max(below) if below else 0  # leaves (Full too): 0
    return ops, depth[program.unique_id]


def sample(config: SamplerConfig, rng: random.Random) -> Sample:
    """One random program, or ``Rejected`` with the reason."""
    b = _Builder(config, rng)
    target = rng.randint(config.min_ops, config.max_ops)
    names = [op for op in OPERATIONS if config.weight(op) > 0]
    weights = [config.weight(op) for op in names]
    ops = depth = 0
    for _ in range(4 * config.max_ops):
        op = rng.choices(names, weights=weights)[0]
        try:
            _ADD[op](b)
        except Rejected:
            pass  # a failed operation may still have added a node (an indicator)
        ops, depth = count_ops(b.frontier.expr)
        if ops >= target:
            break
    if not config.min_ops <= ops <= config.max_ops:
        raise Rejected("operation count out of range")
    return Sample(b.frontier.expr, ops, depth)
