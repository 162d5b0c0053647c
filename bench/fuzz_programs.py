"""Random RASP programs and the check every one of them must pass (the fuzzer's core).

One generator serves both fuzzers: ``tests/property`` drives it with hypothesis's
``st.randoms()`` (so failures shrink), ``bench/fuzz.py`` with ``random.Random(seed)``. Nothing
here draws randomness except through the ``rng`` it is given.

``generate(rng)`` builds a ``FuzzCase``: a program over a random small vocabulary (ints,
strings, floats, large ints, one value of each type, sometimes mixed), ``max_seq_len`` 1..6,
from every RASP primitive: tokens,
indices, length, Map (categorical and numerical, negative outputs, functions that return None
or raise on some inputs, ``simplify=False``), SequenceMap, LinearSequenceMap, Full,
ConstantSOp, Select with every Comparison and with lambda predicates, ConstantSelector,
And/Or/Not of any depth, Aggregate (categorical and numerical, defaults None / 0 / other),
SelectorWidth, names (duplicates included) and annotations; deep chains of Aggregates or Maps,
composites of many leaves, and functions with large and tiny magnitudes, fractions with large
denominators and results of mixed types (1, 1.0, True, -0.0). Functions are chosen to suit their
input's kind most of the time and at random otherwise, so some programs must be refused and
some raise on part of their domain.

``check(case)`` compiles the program causal and not; each model must equal the evaluator
(``causal_eval`` for the causal one) on every checked input, unpadded, in ragged batches and
padded to ``max_seq_len`` — or the compiler must refuse it with ``UnsupportedExprError``
naming the expressions. Anything else is a bug: ``wrong`` (a mismatch) or ``crash``.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import traceback
import warnings
from collections.abc import Callable

from tracr.compiler import compiling, verifying
from tracr.compiler.basis_inference import ValueSetWarning
from tracr.compiler.lookahead import LookaheadWarning
from tracr.errors import CompilerError, UnsupportedExprError
from tracr.rasp import rasp

INT, NUM, STR, ANY = "int", "num", "str", "any"  # value kinds; INT is a NUM
NUMS = frozenset({INT, NUM})
ALL = frozenset({INT, NUM, STR, ANY})
SAME = "same"  # a function whose output has its input's kind


@dataclasses.dataclass(frozen=True)
class Fn:
    """A user function with readable source text (shown in reports) and the kinds it suits."""

    text: str
    f: Callable
    takes: frozenset = ALL
    gives: str = SAME

    def __call__(self, *args):
        return self.f(*args)

    def __repr__(self) -> str:
        return self.text


def _unary(c) -> list[Fn]:
    """Unary functions; ``c`` is a constant drawn from the vocabulary."""
    return [
        Fn("x", lambda x: x),
        Fn("x + 1", lambda x: x + 1, NUMS),
        Fn("-x", lambda x: -x, NUMS),
        Fn("x * 2", lambda x: x * 2, NUMS | {STR}),
        Fn("x % 3", lambda x: x % 3, NUMS),
        Fn("x // 2", lambda x: x // 2, NUMS),
        Fn("x - 2", lambda x: x - 2, NUMS),
        Fn("abs(x)", lambda x: abs(x), NUMS),
        Fn("x > 1", lambda x: x > 1, NUMS, INT),
        Fn(f"x == {c!r}", lambda x: x == c, ALL, INT),
        Fn("len(str(x))", lambda x: len(str(x)), ALL, INT),
        Fn("str(x)[:1]", lambda x: str(x)[:1], ALL, STR),
        Fn(f"None if x == {c!r} else x", lambda x: None if x == c else x),
        Fn("None if x > 1 else x", lambda x: None if x > 1 else x, NUMS),
        Fn("10 // x", lambda x: 10 // x, NUMS),  # raises at 0
        Fn("[5, 6, 7][x]", lambda x: [5, 6, 7][x], frozenset({INT}), INT),  # raises outside
        Fn("3", lambda x: 3, ALL, INT),
        Fn("x / 2", lambda x: x / 2, NUMS, NUM),
        Fn("x * 0.5 - 1", lambda x: x * 0.5 - 1, NUMS, NUM),
        Fn("(x, 0)", lambda x: (x, 0), ALL, ANY),
        Fn("x.upper()", lambda x: x.upper(), frozenset({STR})),
        Fn("ord(x[0]) % 4", lambda x: ord(x[0]) % 4, frozenset({STR}), INT),
        Fn("1 if x else 0", lambda x: 1 if x else 0, ALL, INT),
        Fn("-3 * x", lambda x: -3 * x, NUMS),
        # Precision: tenths round in float sums; thresholds and equalities sit on means.
        Fn("x / 10", lambda x: x / 10, NUMS, NUM),
        Fn("x > 0.5", lambda x: x > 0.5, NUMS, INT),
        Fn("x * 3 == 1", lambda x: x * 3 == 1, NUMS, INT),
        Fn("round(x, 2)", lambda x: round(x, 2), NUMS, NUM),
        # Magnitudes: large offsets with small steps, tiny values, wide output spans, and
        # fractions with large denominators (equality on their means must be exact).
        Fn("2**26 + x / 2**20", lambda x: 2**26 + x / 2**20, NUMS, NUM),
        Fn("x * 1e9", lambda x: x * 1e9, NUMS, NUM),
        Fn("1e9 + x / 10", lambda x: 1e9 + x / 10, NUMS, NUM),
        Fn("x * 1e-9", lambda x: x * 1e-9, NUMS, NUM),
        Fn("1e16 if x else 1.0", lambda x: 1e16 if x else 1.0, ALL, NUM),
        Fn("x / 7", lambda x: x / 7, NUMS, NUM),
        Fn("x / 1000003", lambda x: x / 1000003, NUMS, NUM),
        Fn("x == 1 / 7", lambda x: x == 1 / 7, NUMS, INT),
        Fn("x > 2**26", lambda x: x > 2**26, NUMS, INT),
        # Mixed types: equal values of different types (1, 1.0, True; 0.0, -0.0).
        Fn(f"1 if x == {c!r} else 1.0", lambda x: 1 if x == c else 1.0, ALL, NUM),
        Fn("True if x else 1", lambda x: True if x else 1, ALL, INT),
        Fn("0.0 if x else -0.0", lambda x: 0.0 if x else -0.0, ALL, NUM),
        Fn("float(x)", lambda x: float(x), NUMS, NUM),
        Fn("bool(x)", lambda x: bool(x), ALL, INT),
        Fn("repr(x)", lambda x: repr(x), ALL, STR),
        Fn("type(x).__name__", lambda x: type(x).__name__, ALL, STR),
    ]


BINARY = [
    Fn("x + y", lambda x, y: x + y, NUMS),
    Fn("x - y", lambda x, y: x - y, NUMS),
    Fn("max(x, y)", max, NUMS),
    Fn("min(x, y)", min, NUMS),
    Fn("x * y % 5", lambda x, y: x * y % 5, NUMS),
    Fn("x == y", lambda x, y: x == y, ALL, INT),
    Fn("(x, y)", lambda x, y: (x, y), ALL, ANY),
    Fn("x if y else None", lambda x, y: x if y else None),
    Fn("str(x) + str(y)", lambda x, y: str(x) + str(y), ALL, STR),
    Fn("x // y", lambda x, y: x // y, NUMS),  # raises at y == 0
    Fn("x < y", lambda x, y: x < y, NUMS, INT),
    Fn("1 if x and y else 0", lambda x, y: 1 if x and y else 0, ALL, INT),
]

LAMBDA_PREDICATES = [
    Fn("k == q + 1", lambda k, q: k == q + 1, NUMS),
    Fn("(k + q) % 2 == 0", lambda k, q: (k + q) % 2 == 0, NUMS),
    Fn("k != q", lambda k, q: k != q),
    Fn("True", lambda k, q: True),
    Fn("str(k) < str(q)", lambda k, q: str(k) < str(q)),
    Fn("abs(k - q) <= 1", lambda k, q: abs(k - q) <= 1, NUMS),
    Fn("k in (q, 0)", lambda k, q: k in (q, 0)),
    Fn("k < 2", lambda k, q: k < 2, NUMS),
]
ORDER_COMPARISONS = (rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
                     rasp.Comparison.GEQ)


@dataclasses.dataclass
class _Var:
    expr: rasp.RASPExpr
    name: str  # the variable in the program text
    kind: str | None  # value kind of an SOp; None for a selector


@dataclasses.dataclass(frozen=True)
class FuzzCase:
    program: rasp.SOp
    vocab: frozenset
    max_seq_len: int
    source: str  # the program as Python-like text, one assignment per line

    def __str__(self) -> str:
        return (f"vocab={sorted(self.vocab, key=repr)!r} max_seq_len={self.max_seq_len}\n"
                f"{self.source}")


def _vocab(rng: random.Random) -> tuple[frozenset, str]:
    size = rng.randint(1, 4)
    style = rng.choices(["int", "str", "float", "mixed", "big", "typed"],
                        weights=[6, 3, 1, 1, 1, 1])[0]
    if style == "int":
        return frozenset(rng.sample(range(-2, 7), size)), INT
    if style == "str":
        return frozenset(rng.sample("abcde", size)), STR
    if style == "float":
        return frozenset(rng.sample([0.5, 1.5, -1.0, 2.25, 3.0], size)), NUM
    if style == "big":
        return frozenset(rng.sample([10**6, 10**9 + 1, -(10**12), 2**53 + 1, 3], size)), INT
    if style == "typed":  # one of each type, never two equal values
        return frozenset(rng.sample([True, 2, 2.5, -0.0, "1", (1, 2)], max(size, 2))), ANY
    return frozenset(rng.sample([0, 1, 2, "a", "b"], max(size, 2))), ANY


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    return NUM if {a, b} <= NUMS else ANY


class _Builder:
    """Grows a pool of SOps and selectors one random operation at a time."""

    def __init__(self, rng: random.Random, vocab: frozenset, kind: str, max_seq_len: int):
        self.rng = rng
        self.vocab = sorted(vocab, key=repr)
        self.n = max_seq_len
        self.lines: list[str] = []
        self.sops: list[_Var] = [_Var(rasp.tokens, "tokens", kind),
                                 _Var(rasp.indices, "indices", INT)]
        self.selectors: list[_Var] = []
        if rng.random() < 0.3:
            self.sops.append(_Var(rasp.length, "length", INT))

    # Picking ------------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick_sop(self, numerical: bool | None = None) -> _Var:
        pool = self.sops
        if numerical is not None and self.chance(0.9):
            pool = [v for v in self.sops if rasp.is_numerical(v.expr) == numerical] or pool
        # Favour recent SOps so programs grow deep rather than wide.
        weights = [1 + i for i in range(len(pool))]
        return self.rng.choices(pool, weights=weights)[0]

    def pick_selector(self) -> _Var:
        if not self.selectors or self.chance(0.2):
            self.add_select()
        weights = [1 + i for i in range(len(self.selectors))]
        return self.rng.choices(self.selectors, weights=weights)[0]

    def pick_fn(self, fns: list[Fn], *kinds: str) -> Fn:
        suited = [f for f in fns if all(k in f.takes for k in kinds)]
        if suited and self.chance(0.85):
            return self.rng.choice(suited)
        return self.rng.choice(fns)

    def out_kind(self, fn: Fn, *kinds: str) -> str:
        if fn.gives != SAME:
            return fn.gives
        return kinds[0] if len(kinds) == 1 else _join(*kinds)

    def constant(self):
        return self.rng.choice(self.vocab + [0, 1, 2])

    # Recording ----------------------------------------------------------------------------

    def emit(self, expr, text: str, kind: str | None) -> _Var:
        if self.chance(0.15):
            name = self.rng.choice(["a", "b", "x"])  # duplicate names on purpose
            expr, text = expr.named(name), f"({text}).named({name!r})"
        var = _Var(expr, f"{'s' if kind else 'sel'}{len(self.lines)}", kind)
        self.lines.append(f"{var.name} = {text}")
        (self.sops if kind else self.selectors).append(var)
        return var

    def annotate(self, expr, text: str, numeric_ok: bool) -> tuple:
        """Mark numerical when the values are numbers (and now and then when they are not)."""
        if self.chance(0.45 if numeric_ok else 0.05):
            return rasp.numerical(expr), f"numerical({text})"
        if self.chance(0.05):
            return rasp.categorical(expr), f"categorical({text})"
        return expr, text

    # Operations ---------------------------------------------------------------------------

    def add_map(self) -> _Var:
        src = self.pick_sop(numerical=self.chance(0.3))
        fn = self.pick_fn(_unary(self.constant()), src.kind)
        kind = self.out_kind(fn, src.kind)
        simplify = self.chance(0.8)
        expr = rasp.Map(fn, src.expr, simplify=simplify)
        text = f"Map({fn}, {src.name}{'' if simplify else ', simplify=False'})"
        expr, text = self.annotate(expr, text, kind in NUMS)
        return self.emit(expr, text, kind)

    def add_sequence_map(self) -> _Var:
        a, b = self.pick_sop(numerical=False), self.pick_sop(numerical=False)
        if self.chance(0.15):
            ops = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "&": lambda x, y: x & y}
            op = self.rng.choice(sorted(ops))
            return self.emit(ops[op](a.expr, b.expr), f"{a.name} {op} {b.name}",
                             _join(a.kind, b.kind) if op != "&" else INT)
        fn = self.pick_fn(BINARY, a.kind, b.kind)
        kind = self.out_kind(fn, a.kind, b.kind)
        expr, text = self.annotate(rasp.SequenceMap(fn, a.expr, b.expr),
                                   f"SequenceMap({fn}, {a.name}, {b.name})", kind in NUMS)
        return self.emit(expr, text, kind)

    def add_linear_sequence_map(self) -> _Var:
        numerical = self.chance(0.7)
        a, b = self.pick_sop(numerical=numerical), self.pick_sop(numerical=numerical)
        fa, fb = (self.rng.choice([-2, -1, -0.5, 0, 0.5, 1, 2, 3]) for _ in range(2))
        expr = rasp.LinearSequenceMap(a.expr, b.expr, fa, fb)
        text = f"LinearSequenceMap({a.name}, {b.name}, {fa}, {fb})"
        if numerical and self.chance(0.9):
            expr, text = rasp.numerical(expr), f"numerical({text})"
        return self.emit(expr, text, _join(a.kind, b.kind))

    def add_constant(self) -> _Var:
        if self.chance(0.5):
            fill = self.rng.choice([*self.vocab, 0, 1, -2, None])
            expr, text = rasp.Full(fill), f"Full({fill!r})"
            kind = INT if isinstance(fill, int) else ANY
        else:
            size = self.n + self.rng.choice([0, 0, 0, 1, -1])
            value = [self.rng.choice([*self.vocab, 0, 1]) for _ in range(max(size, 0))]
            check = self.chance(0.8)
            expr = rasp.ConstantSOp(value, check_length=check)
            text = f"ConstantSOp({value!r}{'' if check else ', check_length=False'})"
            kind = INT if all(isinstance(v, int) for v in value) else ANY
        expr, text = self.annotate(expr, text, kind in NUMS)
        return self.emit(expr, text, kind)

    def add_select(self) -> _Var:
        if self.chance(0.1):
            check = self.chance(0.8)
            size = self.n + self.rng.choice([0, 0, 1])
            matrix = [[self.rng.random() < 0.4 for _ in range(size)] for _ in range(size)]
            bits = [[int(b) for b in row] for row in matrix]
            expr = rasp.ConstantSelector(matrix, check_length=check)
            return self.emit(expr, f"ConstantSelector({bits}"
                             f"{'' if check else ', check_length=False'})", None)
        keys, queries = self.pick_sop(numerical=False), self.pick_sop(numerical=False)
        if self.chance(0.25):
            pred = self.pick_fn(LAMBDA_PREDICATES, keys.kind, queries.kind)
            text = f"lambda k, q: {pred}"
        else:
            pred = self.rng.choice(list(rasp.Comparison))
            kinds = {keys.kind, queries.kind}
            if pred in ORDER_COMPARISONS and STR in kinds and kinds != {STR}:
                pred = self.rng.choice(list(rasp.Comparison))  # usually avoid str < int
            text = str(pred)
        expr = rasp.Select(keys.expr, queries.expr, pred)
        return self.emit(expr, f"Select({keys.name}, {queries.name}, {text})", None)

    def add_combination(self) -> _Var:
        a = self.pick_selector()
        op = self.rng.choice(["and", "or", "not"])
        if op == "not":
            return self.emit(~a.expr if self.chance(0.5) else rasp.SelectorNot(a.expr),
                             f"SelectorNot({a.name})", None)
        b = self.pick_selector()
        cls = rasp.SelectorAnd if op == "and" else rasp.SelectorOr
        return self.emit(cls(a.expr, b.expr), f"{cls.__name__}({a.name}, {b.name})", None)

    def add_aggregate(self) -> _Var:
        sel = self.pick_selector()
        if self.chance(0.45):
            return self._numerical_aggregate(sel)
        src = self.pick_sop(numerical=False)
        default = None if self.chance(0.85) else self.constant()
        expr = rasp.Aggregate(sel.expr, src.expr, default=default)
        text = f"Aggregate({sel.name}, {src.name}, default={default!r})"
        if self.chance(0.05):
            expr, text = rasp.numerical(expr), f"numerical({text})"
        return self.emit(expr, text, src.kind)

    def _numerical_aggregate(self, sel: _Var) -> _Var:
        numerical = [v for v in self.sops if rasp.is_numerical(v.expr)]
        if not numerical or self.chance(0.3):
            # The frac_prevs pattern, a 0/1 indicator of a categorical SOp, or other numbers
            # (halves, tenths, negatives) whose means may round.
            src = self.pick_sop(numerical=False)
            c = self.rng.choice(self.vocab)
            fn = self.rng.choice([
                Fn(f"1 if x == {c!r} else 0", lambda x: 1 if x == c else 0, ALL, INT),
                Fn("x / 10", lambda x: x / 10, NUMS, NUM),
                Fn("x / 2", lambda x: x / 2, NUMS, NUM),
                Fn("1 - x", lambda x: 1 - x, NUMS, NUM),
            ])
            expr = rasp.numerical(rasp.Map(fn, src.expr))
            self.emit(expr, f"numerical(Map({fn}, {src.name}))", fn.gives)
        src = self.pick_sop(numerical=True)
        default = self.rng.choices([0, None, 1], weights=[7, 2, 1])[0]
        expr = rasp.numerical(rasp.Aggregate(sel.expr, src.expr, default=default))
        return self.emit(expr, f"numerical(Aggregate({sel.name}, {src.name}, "
                         f"default={default!r}))", NUM)

    def add_selector_width(self) -> _Var:
        sel = self.pick_selector()
        expr, text = self.annotate(rasp.SelectorWidth(sel.expr), f"SelectorWidth({sel.name})",
                                   True)
        return self.emit(expr, text, INT)

    def add_chain(self) -> _Var:
        """A deep chain: many Aggregates (or Maps) one after the other."""
        src = self.pick_sop(numerical=False)
        sel = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ)
        depth = self.rng.randint(5, 40)
        expr = src.expr
        if self.chance(0.5):
            for _ in range(depth):
                expr = rasp.Aggregate(sel, expr)
            text = f"chain of {depth} Aggregate(Select(indices, indices, EQ), ·) of {src.name}"
        else:
            for i in range(depth):
                expr = rasp.Map(lambda x, i=i: x, expr, simplify=False)
            text = f"chain of {depth} Map(x, ·, simplify=False) of {src.name}"
        return self.emit(expr, text, src.kind)

    def add_many_leaves(self) -> _Var:
        """A composite selector with many leaves, combined with And, Or and Not."""
        sel = self.pick_selector().expr
        parts = [sel.name]
        for _ in range(self.rng.randint(4, 16)):
            leaf = self.add_select().expr
            op = self.rng.choice(["and", "and", "or", "not_and"])
            sel = {"and": lambda a, b: a & b, "or": lambda a, b: a | b,
                   "not_and": lambda a, b: a & ~b}[op](sel, leaf)
            parts.append(f"{op} {leaf.name}")
        return self.emit(sel, f"composite({', '.join(parts)})", None)

    def add_primitive(self) -> _Var:
        which = self.rng.choice(["length", "tokens", "indices"])
        expr = {"length": rasp.length, "tokens": rasp.tokens, "indices": rasp.indices}[which]
        if self.chance(0.5):
            expr, text = self.annotate(expr, which, which != "tokens")
        else:
            text = which
        return self.emit(expr, text, INT if which != "tokens" else self.sops[0].kind)


OPERATIONS = {
    "map": (_Builder.add_map, 6),
    "sequence_map": (_Builder.add_sequence_map, 4),
    "linear_sequence_map": (_Builder.add_linear_sequence_map, 2),
    "constant": (_Builder.add_constant, 1),
    "select": (_Builder.add_select, 2),
    "combination": (_Builder.add_combination, 2),
    "aggregate": (_Builder.add_aggregate, 6),
    "selector_width": (_Builder.add_selector_width, 3),
    "primitive": (_Builder.add_primitive, 1),
    "chain": (_Builder.add_chain, 1),
    "many_leaves": (_Builder.add_many_leaves, 1),
}


def generate(rng: random.Random) -> FuzzCase:
    """One random program with its vocabulary and maximum length."""
    vocab, kind = _vocab(rng)
    max_seq_len = rng.randint(1, 6)
    builder = _Builder(rng, vocab, kind, max_seq_len)
    names = list(OPERATIONS)
    weights = [OPERATIONS[k][1] for k in names]
    for _ in range(rng.randint(1, 7)):
        OPERATIONS[rng.choices(names, weights=weights)[0]][0](builder)
    built = [v for v in builder.sops[2:] if v.name.startswith("s")]
    out = built[-1] if built and rng.random() < 0.8 else rng.choice(builder.sops)
    source = "\n".join([*builder.lines, f"program = {out.name}"])
    return FuzzCase(out.expr, vocab, max_seq_len, source)


# The check ------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    """``kind``: exact, vacuous (compiled, but no checked input is in the domain), refused,
    wrong or crash. ``reason`` groups refusals; ``detail`` explains wrong and crash."""

    kind: str
    reason: str = ""
    detail: str = ""
    checked: int = 0
    # With float32 checking (``check(..., float32=True)``) of a compiled program: "exact"
    # (recorded exact in float32 and right there), "inexact-right" / "inexact-wrong" (recorded
    # inexact; right or wrong in float32 on the inputs), "unsound" (recorded exact, but wrong).
    float32: str = ""


def inputs_for(case: FuzzCase, budget: int, seed: int = 0) -> list[list]:
    """Every input when there are at most ``budget``, else ``budget`` random ones."""
    vocab = sorted(case.vocab, key=repr)
    total = sum(len(vocab) ** n for n in range(1, case.max_seq_len + 1))
    if total <= budget:
        return list(verifying.all_inputs(vocab, case.max_seq_len))
    return verifying.random_inputs(vocab, case.max_seq_len, budget, seed=seed)


def refusal_reason(error: UnsupportedExprError) -> str:
    """The first problem's reason with labels, values and numbers blanked, for grouping."""
    first = error.problems[0]
    reason = first.split(": ", 1)[-1].split("; ", 1)[0]
    reason = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    reason = re.sub(r"\(.*\)|\[.*\]", "(…)", reason)
    return re.sub(r"-?\d+(\.\d+)?", "N", reason)


def _compile(case: FuzzCase, causal: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ValueSetWarning)
        warnings.simplefilter("ignore", LookaheadWarning)
        return compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len,
                                               causal=causal)


def _differential(model, case: FuzzCase, inputs: list[list], rng: random.Random):
    """Mismatches unpadded (batches of one length), in ragged batches, and padded."""
    reports = []
    by_length = itertools.groupby(sorted(inputs, key=len), key=len)
    for _, group in by_length:
        reports.append(verifying.compare(model, case.program, list(group)))
    ragged = list(inputs)
    rng.shuffle(ragged)
    reports.append(verifying.compare(model, case.program, ragged, batch_size=7))
    reports.append(verifying.compare(model, case.program, inputs, pad_to_max=True))
    mismatches = [m for r in reports for m in r.mismatches]
    return mismatches, sum(r.checked for r in reports)


def _well_formed(error: UnsupportedExprError, labels: set[str]) -> bool:
    """Each problem names an expression of the program (label and name)."""
    return all("(name '" in p and any(f"'{lab}'" in p for lab in labels)
               for p in error.problems)


class Float32Model:
    """The compiled model's encoders and config, run by the torch backend in float32 (what
    ``verifying.compare`` needs). ``allow_inexact=False`` raises unless the model is
    recorded exact in float32."""

    def __init__(self, model, allow_inexact: bool = True):
        from tracr.backends.torch import to_torch

        self._model = model
        self._tmodel = to_torch(model, dtype="float32", allow_inexact=allow_inexact)

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def apply_batch(self, batch, pad: bool = True):
        return self._tmodel.apply_batch(batch, pad=pad)


def _float32_mismatches(model, case: FuzzCase, inputs: list[list]) -> list:
    f32 = Float32Model(model)
    reports = [verifying.compare(f32, case.program, list(group))
               for _, group in itertools.groupby(sorted(inputs, key=len), key=len)]
    reports.append(verifying.compare(f32, case.program, inputs, pad_to_max=True))
    return [m for r in reports for m in r.mismatches]


def float32_verdict(model, case: FuzzCase, inputs: list[list]) -> tuple[str, str]:
    """(verdict, detail) of ``model`` in float32 against its precision record."""
    recorded = model.precision.is_exact("float32")
    mismatches = _float32_mismatches(model, case, inputs)
    if recorded:
        detail = "\n".join(f"  {m}" for m in mismatches[:4])
        return ("unsound", detail) if mismatches else ("exact", "")
    return ("inexact-wrong" if mismatches else "inexact-right"), ""


_WORST = ("exact", "inexact-right", "inexact-wrong", "unsound")


def check(case: FuzzCase, budget: int = 60, seed: int = 0, float32: bool = False) -> Outcome:
    """Compile ``case`` causal and not and run the differential test on each model (and,
    with ``float32``, again in float32 through the torch backend)."""
    inputs = inputs_for(case, budget, seed)
    labels = {e.label for e in rasp.topological_sort(case.program)}
    refusal: UnsupportedExprError | None = None
    checked = 0
    compiled = False
    verdict, verdict_detail = "", ""
    for causal in (False, True):
        mode = "causal" if causal else "full"
        try:
            model = _compile(case, causal)
        except UnsupportedExprError as exc:
            if not _well_formed(exc, labels):
                return Outcome("crash", detail=f"{mode}: refusal names no expression: {exc}")
            refusal = refusal or exc
            continue
        except CompilerError as exc:
            if "max_params" not in str(exc):
                return Outcome("crash", detail=f"{mode} compile: {exc!r}")
            return Outcome("refused", reason="larger than max_params (the size guard)")
        except Exception:  # noqa: BLE001 - any other error is the bug we look for
            return Outcome("crash", detail=f"{mode} compile: {traceback.format_exc(limit=-4)}")
        compiled = True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                mismatches, n = _differential(model, case, inputs, random.Random(seed))
        except Exception:  # noqa: BLE001
            return Outcome("crash", detail=f"{mode} run: {traceback.format_exc(limit=-4)}")
        if mismatches:
            shown = "\n".join(f"  {m}" for m in mismatches[:4])
            return Outcome("wrong", detail=f"{mode}: {len(mismatches)} mismatches, e.g.\n{shown}")
        checked += n
        if float32 and n:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    v, detail = float32_verdict(model, case, inputs)
            except Exception:  # noqa: BLE001
                return Outcome("crash", detail=f"{mode} float32: {traceback.format_exc(-4)}")
            if not verdict or _WORST.index(v) > _WORST.index(verdict):
                verdict, verdict_detail = v, f"{mode}: {detail}" if detail else ""
    if not compiled:
        return Outcome("refused", reason=refusal_reason(refusal))
    return Outcome("exact" if checked else "vacuous", checked=checked, float32=verdict,
                   detail=verdict_detail)
