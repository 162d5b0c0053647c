"""Validation of SequenceMaps that read a numerical SOp (compiled by
``tracr.craft.chamber.numerical_pairs``): what makes the grid construction inexact.

The construction needs both inputs' value sets (finite, numbers for a numerical input, never
None there), a grid small enough to build, a projection whose gaps float32 can resolve, and
a function that does not jump within the float rounding of an inexact mean.
"""

from __future__ import annotations

from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph
from tracr.compiler.nodes import ExprNode as Node
from tracr.craft.bases import value_sort_key
from tracr.craft.chamber import numerical_pairs

MAX_GRID_POINTS = 40_000  # hidden width 2 per point: beyond this the MLP is unreasonably wide
MIN_RELATIVE_GAP = 1e-5  # float32 resolves ~1e-7 relative; a quarter gap must clear it
ROUNDING = 1e-11  # relative float error of a mean the evaluator computes inexactly


def _operand(agraph: AnnotatedGraph, label: str) -> numerical_pairs.Operand:
    from tracr.compiler.graph_to_craft import output_space

    numerical = agraph.graph[label].encoding == NUMERICAL
    values = sorted(agraph.info[label].values, key=value_sort_key)
    return numerical_pairs.Operand(output_space(agraph, label), numerical, values)


def pair_problem(node: Node, agraph: AnnotatedGraph) -> tuple[str, str] | None:
    """(reason, fix) if the pair construction cannot compute ``node`` exactly, else None."""
    for child in node.children:
        info = agraph.info[child]
        if info.values is not None and not info.values:
            return (f"its input {child!r} takes no value on any input (its function raised "
                    "on every value)", "fix the function that computes that input")
        if agraph.graph[child].encoding != NUMERICAL:
            if info.values is None:
                return (f"its input {child!r} has too many values to tabulate",
                        "reduce the values of that input")
            continue
        if info.values is None:
            return (f"its numerical input {child!r} has too many values to tabulate",
                    "aggregate fewer distinct values, or round the input first")
        if info.may_be_none:
            return (f"its numerical input {child!r} can be None, which one number cannot "
                    "hold", "give the Aggregate upstream a default")
        bad = [v for v in info.values if not isinstance(v, int | float)]
        if bad:
            return (f"its numerical input {child!r} holds non-numbers such as {bad[0]!r}",
                    "mark that input categorical")
    a, b = (_operand(agraph, c) for c in node.children)
    size = len(a.scalars()) * len(b.scalars())
    if size > MAX_GRID_POINTS:
        return (f"its inputs form a grid of {size} value pairs, more than the "
                f"{MAX_GRID_POINTS} one MLP is built for",
                "round or discretise an input to fewer values first")
    grid = numerical_pairs.pair_grid(a, b)
    if grid is None or grid.relative_gap < MIN_RELATIVE_GAP:
        return ("its inputs' values are too close together, relative to their size, for "
                "float32 to tell the value pairs apart",
                "round an input to fewer, more separated values first")
    return _rounding_problem(node, agraph)


def _rounding_problem(node: Node, agraph: AnnotatedGraph) -> tuple[str, str] | None:
    """Where an inexact numerical input's rounding could change the function's result."""
    inexact = [i for i, c in enumerate(node.children)
               if agraph.graph[c].encoding == NUMERICAL and not agraph.info[c].exact]
    if not inexact:
        return None
    values = [sorted(agraph.info[c].values, key=value_sort_key) for c in node.children]
    for u in values[0]:
        for v in values[1]:
            base = _outcome(node.f, (u, v))
            for i in inexact:
                for sign in (-1.0, 1.0):
                    moved = [u, v]
                    moved[i] = moved[i] + sign * ROUNDING * max(1.0, abs(moved[i]))
                    if not _same(_outcome(node.f, tuple(moved)), base,
                                 node.encoding == NUMERICAL):
                        return (f"an input holds means the evaluator computes only up to float "
                                f"rounding, and the function's result changes within that "
                                f"rounding at {(u, v)!r}",
                                "round inside the function, or average integers")
    return None


def _outcome(f, args: tuple) -> tuple:
    try:
        return ("gives", f(*args))
    except Exception as exc:  # noqa: BLE001 - any user error
        return ("raises", type(exc).__name__)


def _same(a: tuple, b: tuple, numerical: bool) -> bool:
    if a[0] != b[0]:
        return False
    x, y = a[1], b[1]
    if numerical and isinstance(x, int | float) and isinstance(y, int | float):
        return abs(x - y) <= 1e-6 * max(1.0, abs(y))
    return x == y
