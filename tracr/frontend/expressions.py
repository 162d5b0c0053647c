"""Frontend: how each kind of expression node evaluates (a table of small functions).

``EXPRESSIONS[node.data](evaluator, node, scope)`` returns the node's value: a constant,
a list, a function, a predicate, or a RASP s-op or selector. Statements, scopes and calls
live in ``evaluator.py``.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import lark

from tracr.frontend import operators as ops

if TYPE_CHECKING:
    from tracr.frontend.evaluator import Evaluator, Scope

Handler = Callable[["Evaluator", lark.Tree, "Scope"], Any]


def _name(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    name = str(node.children[0])
    try:
        return scope.lookup(name)
    except KeyError:
        close = difflib.get_close_matches(name, scope.names(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ev.error(node, f"undefined name '{name}'{hint}") from None


def _number(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    text = str(node.children[0])
    return int(text) if text.isdigit() else float(text)


def _string(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    return ast.literal_eval(str(node.children[0]))


def _list(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    return [ev.eval(child, scope) for child in node.children]


def _predicate(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    return ops.PREDICATES[str(node.children[0])]


def _comprehension(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    element, name, iterable_node, *condition = node.children
    iterable = ev.constant_iterable(iterable_node, scope, "a list comprehension")
    ev.check_bindable(name)
    inner = type(scope)(scope)
    result = []
    for item in iterable:
        inner.vars[str(name)] = item
        if condition and not ev.constant_condition(condition[0], inner, "comprehension"):
            continue
        result.append(ev.eval(element, inner))
    return result


def _conditional(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    then, condition_node, otherwise = node.children
    condition = ev.eval(condition_node, scope)
    if not (ops.is_sop(condition) or ops.is_constant(condition)):
        raise ev.error(
            condition_node,
            f"the condition of 'if' must be an s-op or a constant, not {ops.describe(condition)}",
        )
    if not ops.is_sop(condition):
        # A constant condition picks one branch; the other is never evaluated.
        return ev.eval(then if condition else otherwise, scope)
    values = ev.eval(then, scope), ev.eval(otherwise, scope)
    return ev.apply(node, ops.conditional, condition, *values)


def _subscript(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    container, index = (ev.eval(child, scope) for child in node.children)
    if not isinstance(container, list | str):
        raise ev.error(
            node, f"only constant lists and strings can be indexed, not {ops.describe(container)}"
        )
    if isinstance(index, bool) or not isinstance(index, int):
        raise ev.error(
            node.children[1], f"an index must be a constant integer, not {ops.describe(index)}"
        )
    if not -len(container) <= index < len(container):
        raise ev.error(
            node.children[1],
            f"index {index} is out of range for a "
            f"{'list' if isinstance(container, list) else 'string'} of "
            f"length {len(container)}",
        )
    return container[index]


def _call(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    callee_node, *arg_nodes = node.children
    callee = ev.eval(callee_node, scope)
    args = [ev.eval(arg, scope) for arg in arg_nodes]
    return ev.call(node, callee, args, arg_nodes)


def _binary(operation: Callable[[str, Any, Any], Any], symbol: str) -> Handler:
    def evaluate(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
        left, right = (ev.eval(child, scope) for child in node.children)
        return ev.apply(node, operation, symbol, left, right)

    return evaluate


def _compare(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    left_node, symbol, right_node = node.children
    left, right = ev.eval(left_node, scope), ev.eval(right_node, scope)
    return ev.apply(node, ops.compare, str(symbol), left, right)


def _contains(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    item, container = (ev.eval(child, scope) for child in node.children)
    return ev.apply(node, ops.contains, item, container)


def _unary(operation: Callable[[Any], Any]) -> Handler:
    def evaluate(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
        return ev.apply(node, operation, ev.eval(node.children[0], scope))

    return evaluate


EXPRESSIONS: dict[str, Handler] = {
    "name": _name,
    "number": _number,
    "string": _string,
    "list": _list,
    "predicate": _predicate,
    "comprehension": _comprehension,
    "conditional": _conditional,
    "subscript": _subscript,
    "call": _call,
    "compare": _compare,
    "contains": _contains,
    "add": _binary(ops.arithmetic, "+"),
    "sub": _binary(ops.arithmetic, "-"),
    "mul": _binary(ops.arithmetic, "*"),
    "div": _binary(ops.arithmetic, "/"),
    "mod": _binary(ops.arithmetic, "%"),
    "and_op": _binary(ops.logical, "and"),
    "or_op": _binary(ops.logical, "or"),
    "not_op": _unary(ops.logical_not),
    "neg": _unary(lambda value: ops.negate("-", value)),
    "pos": _unary(lambda value: ops.negate("+", value)),
}
