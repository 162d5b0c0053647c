"""Frontend: how each kind of expression node evaluates (a table of small functions).

``EXPRESSIONS[node.data](evaluator, node, scope)`` returns the node's value: a constant,
a list, a function, a predicate, or a RASP s-op or selector. Statements, scopes and calls
live in ``evaluator.py``.
"""

from __future__ import annotations

import ast
import difflib
import math
import warnings
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


MAX_NUMBER_CHARS = 100  # a longer literal is a mistake (and Python's int() refuses 4300)


def _number(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    text = str(node.children[0])
    if len(text) > MAX_NUMBER_CHARS:
        raise ev.error(node, f"a number literal of {len(text)} characters is too long "
                       f"(at most {MAX_NUMBER_CHARS})")
    value = int(text) if text.isdigit() else float(text)
    if not math.isfinite(value):
        raise ev.error(node, f"the number {text} is too large for a float")
    return value


def _string(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    text = str(node.children[0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Python warns about unknown escapes like "\d"
            return ast.literal_eval(text)
    except (SyntaxError, ValueError, Warning) as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        raise ev.error(node, f"invalid string literal {text}: {reason} (strings take "
                       "Python's escapes: \\n, \\t, \\\\, \\\", \\x41, ...)") from None


def _list(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    return [ev.eval(child, scope) for child in node.children]


def _predicate(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    return ops.PREDICATES[str(node.children[0])]


def _comprehension_scopes(ev: Evaluator, node: lark.Tree, scope: Scope, targets, iterable_node,
                          condition: list):
    """The inner scope of each item a comprehension keeps (its condition holds)."""
    iterable = ev.constant_iterable(iterable_node, scope, "a comprehension")
    for name in targets.children:
        ev.check_bindable(name)
    for item in iterable:
        inner = type(scope)(scope)
        names = [str(n) for n in targets.children]
        inner.vars.update(zip(names, ev.unpack(node, targets, item), strict=True))
        if condition and not ev.constant_condition(condition[0], inner, "comprehension"):
            continue
        yield inner


def _comprehension(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    element, targets, iterable_node, *condition = node.children
    return [ev.eval(element, inner)
            for inner in _comprehension_scopes(ev, node, scope, targets, iterable_node,
                                               condition)]


def _dict(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    pairs = [(ev.eval(item.children[0], scope), item.children[1]) for item in node.children]
    return {_dict_key(ev, key, item): ev.eval(value, scope)
            for (key, value), item in zip(pairs, node.children, strict=True)}


def _dict_comprehension(ev: Evaluator, node: lark.Tree, scope: Scope) -> Any:
    key_node, value_node, targets, iterable_node, *condition = node.children
    out = {}
    for inner in _comprehension_scopes(ev, node, scope, targets, iterable_node, condition):
        out[_dict_key(ev, ev.eval(key_node, inner), key_node)] = ev.eval(value_node, inner)
    return out


def _dict_key(ev: Evaluator, key: Any, node: lark.Tree) -> Any:
    if isinstance(key, list):
        key = tuple(key)
    if not ops.is_constant(key) or isinstance(key, dict):
        raise ev.error(node, f"a dictionary key must be a constant, not {ops.describe(key)}")
    return key


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
    if ops.is_sop(container) or ops.is_sop(index):
        return ev.apply(node, ops.subscript, container, index)
    if isinstance(container, dict):
        key = tuple(index) if isinstance(index, list) else index
        if key not in container:
            raise ev.error(node.children[1], f"the dictionary has no key {key!r}")
        return container[key]
    if not isinstance(container, list | str):
        raise ev.error(
            node, f"only constant lists, strings and dictionaries can be indexed, not "
            f"{ops.describe(container)}"
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
    "dict": _dict,
    "dict_comprehension": _dict_comprehension,
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
