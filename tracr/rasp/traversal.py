"""Walking a RASP program: every reachable expression once, children before parents.

The walk keys expressions by ``unique_id`` (never by name, which two expressions may share)
and uses an explicit stack, so shared sub-expressions cost one visit (a chain of diamonds is
linear, not exponential) and a program thousands of expressions deep does not hit Python's
recursion limit.
"""

from __future__ import annotations

from tracr.rasp.base import RASPExpr, require


def topological_sort(expr: RASPExpr) -> list[RASPExpr]:
    """All expressions reachable from ``expr``, each once, every child before its parents.

    ``expr`` itself comes last. Siblings are visited in ``children`` order, so the order is
    deterministic for a given program.
    """
    require("topological_sort", "the argument", expr, RASPExpr, "a RASP expression")
    order: list[RASPExpr] = []
    done: set[int] = set()
    entered: set[int] = set()
    stack: list[tuple[RASPExpr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        key = node.unique_id
        if expanded:
            if key not in done:
                done.add(key)
                order.append(node)
            continue
        if key in entered:
            continue
        entered.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children))
    return order


def walk(expr: RASPExpr) -> list[RASPExpr]:
    """The same as ``topological_sort``: every expression reachable from ``expr``, once."""
    return topological_sort(expr)
