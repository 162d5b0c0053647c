"""What cannot be compiled exactly, found before compiling: every problem at once.

Static validation reads the annotated graph and lists each expression the model could not
reproduce exactly, one line each (label, name, reason, and what to write instead). Problems
are keyed by expression identity, never by name. ``compile_rasp_to_model`` raises
``UnsupportedExprError`` carrying the list.

Dynamic validation (``validate_inputs``) runs the evaluator on given inputs and reports what
the evaluator itself rejects there (a categorical Aggregate averaging different values, a
function raising): inputs outside the program's domain, on which no model can be right.

The reference's names (``TracrUnsupportedExpr``, ``static_validate``, ``dynamic_validate``,
``validate``, ``DynamicValidationEvaluator``) are thin adapters over these two checks, at the
end of this module.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from tracr.compiler import pair_checks, precision, typed
from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph, total_predicate
from tracr.compiler.nodes import ExprNode as Node  # the compiler's node (nodes.Node is a dict)
from tracr.errors import EvaluationError, TracrError
from tracr.rasp import rasp
from tracr.rasp.evaluator import evaluate_with


def _is_number(v) -> bool:
    return isinstance(v, int | float)  # bool is an int


@dataclasses.dataclass(frozen=True)
class Problem:
    node: Node
    reason: str
    fix: str

    def __str__(self) -> str:
        return f"{self.node.describe()}: {self.reason}; {self.fix}"


class _Checker:
    def __init__(self, agraph: AnnotatedGraph):
        self.g = agraph
        self.problems: list[Problem] = []

    def add(self, node: Node, reason: str, fix: str) -> None:
        self.problems.append(Problem(node, reason, fix))

    def enc(self, label: str) -> str | None:
        return self.g.graph[label].encoding

    def info(self, label: str):
        return self.g.info.get(label)

    def run(self) -> list[Problem]:
        for label in self.g.graph.order:
            node = self.g.graph[label]
            check = getattr(self, f"_{node.kind}", None)
            if check is not None:
                check(node)
            self._numerical_none(node)
            typed.check_node(self, node)
        typed.check_output(self, self.g.graph[self.g.graph.output])
        return self.problems

    def _numerical_none(self, node: Node) -> None:
        info = self.info(node.label)
        if node.encoding == NUMERICAL and info is not None and info.may_be_none:
            if node.kind != "aggregate":  # aggregates explain themselves below
                self.add(node, "this numerical SOp can be None, which one number cannot hold",
                         "make sure its inputs and function never give None")

    def _tokens(self, node: Node) -> None:
        if node.encoding == NUMERICAL:
            self.add(node, "numerical tokens are not supported",
                     "use categorical tokens and a numerical Map of them")

    _indices = _tokens

    def _map(self, node: Node) -> None:
        (child,) = node.children
        info = self.info(child)
        if self.enc(child) == NUMERICAL:
            if info.values is None:
                self.add(node, "the input's value set is too large to list (too many "
                         "distinct means) or unknown (a mean of values other than finite ints "
                         "and floats)",
                         "aggregate fewer distinct values (or ints and floats) before this Map")
            elif not all(_is_number(v) for v in info.values):
                self.add(node, "the numerical input holds non-numbers", "mark it categorical")
            elif (clash := _form_clash(node.f, info.values)) is not None:
                self.add(node, f"its function tells {clash} apart, but its numerical input "
                         f"{child!r} can hold either and the model sees only the number",
                         "make the function give equal results for equal numbers")
        elif node.encoding == NUMERICAL and info.may_be_none:
            self.add(node, f"its input {child!r} can be None, and a numerical Map of None is "
                     "None, which one number cannot hold", "give the Aggregate upstream a "
                     "selector that always selects, or keep this Map categorical")
        self._numeric_values(node)

    def _numeric_values(self, node: Node) -> None:
        info = self.info(node.label)
        if node.encoding == NUMERICAL and info.values is not None:
            bad = [v for v in info.values if not _is_number(v)]
            if bad:
                self.add(node, f"numerical SOp takes non-numeric values such as {bad[0]!r}",
                         "mark it categorical")

    def _sequence_map(self, node: Node) -> None:
        encs = {self.enc(c) for c in node.children}
        if NUMERICAL in encs:
            self._numerical_pair(node)
        if node.encoding == NUMERICAL and any(self.info(c).may_be_none for c in node.children):
            self.add(node, "an input can be None and the numerical output cannot hold None",
                     "keep this SequenceMap categorical")
        self._numeric_values(node)

    def _numerical_pair(self, node: Node) -> None:
        """A SequenceMap reading a numerical SOp: a grid MLP (chamber.numerical_pairs)."""
        problem = pair_checks.pair_problem(node, self.g)
        if problem is not None:
            self.add(node, *problem)

    def _linear_sequence_map(self, node: Node) -> None:
        encs = [self.enc(c) for c in node.children]
        if encs == [NUMERICAL, NUMERICAL] and node.encoding == NUMERICAL:
            return
        self._sequence_map(node)

    def _constant_sop(self, node: Node) -> None:
        if len(node.params["value"]) < self.g.max_seq_len:
            self.add(node, f"it has {len(node.params['value'])} values, fewer than max_seq_len "
                     f"{self.g.max_seq_len}", "give one value per position")
        self._numeric_values(node)

    def _full(self, node: Node) -> None:
        self._numeric_values(node)

    def _select(self, node: Node) -> None:
        p = node.params
        # A composite selector compares its leaves' own SOps (bundled into tuple SOps).
        reads = (*p["key_parts"], *p["query_parts"]) if p.get("composite") else node.children
        for child in dict.fromkeys(reads):
            if self.enc(child) == NUMERICAL:
                self.add(node, f"its key/query {child!r} is numerical; a head can only compare "
                         "categorical values", f"wrap it: rasp.categorical({child})")
        if node.params.get("composite"):
            culprit = _none_selects(node, self.g.info)
            if culprit:
                self.add(node, f"when {culprit} is None the evaluator can still select there "
                         "(through Not, Or or TRUE), but a head cannot see a None value",
                         f"make {culprit} never None (e.g. an Aggregate whose selector always "
                         "selects), or combine it only with And, in comparisons other than "
                         "TRUE")

    def _aggregate(self, node: Node) -> None:
        sel, sop = node.children
        default = node.params["default"]
        can_be_empty = not self.g.selects_self[sel]
        if node.encoding == NUMERICAL:
            self._numerical_aggregate(node, sop, default, can_be_empty)
        else:
            if self.enc(sop) == NUMERICAL:
                self.add(node, "a categorical Aggregate of a numerical SOp",
                         "mark the Aggregate numerical: rasp.numerical(rasp.Aggregate(...))")

    def _numerical_aggregate(self, node: Node, sop: str, default, can_be_empty: bool) -> None:
        if self.enc(sop) != NUMERICAL:
            self.add(node, "a numerical Aggregate of a categorical SOp",
                     f"mark the aggregated SOp numerical: rasp.numerical({sop})")
        elif self.info(sop).values is not None and not all(
            _is_number(v) for v in self.info(sop).values
        ):
            self.add(node, "numerical Aggregate of non-numeric values", "aggregate numbers")
        if can_be_empty and default is None:
            self.add(node, "its selector can select nothing, where the evaluator gives None "
                     "but a numerical head gives 0", "pass default=0")
        elif can_be_empty and not (_is_number(default) and math.isfinite(default)):
            self.add(node, f"numerical default {default!r} is not a finite number, which one "
                     "residual direction cannot hold", "pass a finite number as default")

def _outcome(f, x) -> tuple:
    try:
        return ("gives", f(x))
    except Exception as exc:  # noqa: BLE001 - any user error
        return ("raises", type(exc).__name__)


def _form_clash(f, values) -> str | None:
    """Where ``f`` treats an int and the equal float differently, if the input can hold both.

    A numerical SOp holding floats (a mean, ``x / 2``) may hold an integral value as either
    form (a mean 0.0, a default 0); one residual dimension cannot tell which.
    """
    if not any(isinstance(v, float) for v in values):
        return None
    for v in sorted(values):
        if isinstance(v, bool) or not float(v).is_integer():
            continue
        (kind_i, out_i), (kind_f, out_f) = _outcome(f, int(v)), _outcome(f, float(v))
        if kind_i != kind_f or out_i != out_f:
            return (f"{int(v)!r} ({kind_i} {out_i!r}) from {float(v)!r} "
                    f"({kind_f} {out_f!r})")
    return None


def _none_selects(node: Node, info) -> str | None:
    """A None-able SOp whose None can make the composite selector True, if any.

    The head selects nothing where a part of its key or query tuple is None. In the evaluator a
    leaf reading a None value is what its predicate gives on None: False by the None rule, but
    True for ``Comparison.TRUE``, which ignores its arguments. With one SOp None, the leaves
    reading it are forced to that value and every other leaf is free (free also covers other
    SOps being None), so one satisfiability check per SOp, linear in the formula, decides it.
    """
    reads = node.params["leaf_reads"]
    formula = node.params["formula"]
    on_none = {leaf: total_predicate(pred)(None, None)
               for leaf, pred in node.params["leaf_preds"].items()}
    nullable = sorted({s for ks in reads.values() for s in ks if info[s].may_be_none})
    for sop in nullable:
        forced = {leaf: on_none[leaf] for leaf, ks in reads.items() if sop in ks}
        if formula.can_be_true(forced):
            return repr(sop)
    return None


def static_problems(agraph: AnnotatedGraph, mlp_exactness: float | None = None
                    ) -> list[Problem]:
    """Every expression of the program that cannot be compiled exactly."""
    problems = _Checker(agraph).run()
    if problems:  # precision is judged on programs that are otherwise compilable
        return problems
    fix = ("keep the magnitudes a numerical SOp is computed from within about 1e12 of the "
           "gaps its later Maps tell apart (and of 1e-5 for the output), e.g. subtract the "
           "large offset before averaging, or make it categorical")
    return problems + [Problem(node, reason, fix)
                       for node, reason in precision.precision_problems(agraph, mlp_exactness)]


@dataclasses.dataclass(frozen=True)
class DynamicProblem:
    """An input on which evaluating the program fails, and why."""

    input: tuple
    message: str

    def __str__(self) -> str:
        return f"input {list(self.input)!r}: {self.message}"


def validate_inputs(program: rasp.SOp, inputs: Iterable[Sequence], causal: bool = False):
    """Run the evaluator on ``inputs``; return the problems found on them (empty if none)."""
    from tracr.rasp import causal_eval

    evaluate = causal_eval.evaluate if causal else rasp.evaluate
    problems = []
    for xs in inputs:
        try:
            evaluate(program, list(xs))
        except TracrError as exc:
            problems.append(DynamicProblem(tuple(xs), str(exc)))
    return problems


# --- The reference's names, as thin adapters over static_problems and the evaluator. ---


@dataclasses.dataclass(frozen=True)
class TracrUnsupportedExpr:
    """An expression tracr cannot compile exactly (or cannot evaluate on an input), and why."""

    expr: rasp.RASPExpr
    reason: str


def static_validate(
    program: rasp.SOp, vocab: Iterable[Hashable] = (), max_seq_len: int = 1
) -> list[TracrUnsupportedExpr]:
    """Every expression of ``program`` that cannot be compiled, found without inputs.

    The checks are ``static_problems``'; the ones that depend on value sets use ``vocab`` and
    ``max_seq_len`` when given (the reference's signature has only ``program``). Inputs a
    function raises on are left out of the value sets silently here: ``dynamic_validate``
    reports them.
    """
    from tracr.compiler import basis_inference, rasp_to_graph, selectors

    graph = selectors.flatten_selectors(rasp_to_graph.trace(program))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", basis_inference.ValueSetWarning)
        agraph = basis_inference.infer_bases(graph, frozenset(vocab), max_seq_len, False)
    return [
        TracrUnsupportedExpr(p.node.expr, f"{p.reason}; {p.fix}")
        for p in static_problems(agraph)
    ]


class DynamicValidationEvaluator(rasp.DefaultRASPEvaluator):
    """Evaluates and records, instead of raising, the expression the evaluation fails on
    (in ``unsupported_exprs``); ``evaluate`` then returns None."""

    def __init__(self) -> None:
        self.unsupported_exprs: list[TracrUnsupportedExpr] = []

    def evaluate(self, expr: rasp.RASPExpr, xs: Sequence[Any]) -> Any:
        try:
            return evaluate_with(expr, xs, causal=self.causal)
        except EvaluationError as exc:
            failed = expr if exc.expr is None else exc.expr
            self.unsupported_exprs.append(TracrUnsupportedExpr(failed, str(exc)))
            return None


def dynamic_validate(program: rasp.SOp, xs: Sequence[Any]) -> list[TracrUnsupportedExpr]:
    """The expression (if any) the evaluator rejects on the input ``xs``: the input is outside
    the program's domain, where no compiled model can be right."""
    evaluator = DynamicValidationEvaluator()
    evaluator.evaluate(program, xs)
    return evaluator.unsupported_exprs


def validate(program: rasp.SOp, xs: Sequence[Any]) -> list[TracrUnsupportedExpr]:
    """``static_validate`` (value sets from the tokens of ``xs``, up to its length) and
    ``dynamic_validate`` on ``xs``; empty when the program compiles and runs on ``xs``."""
    tokens = list(xs)
    return static_validate(program, tokens, max(len(tokens), 1)) + dynamic_validate(program, xs)
