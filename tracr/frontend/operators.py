"""Frontend: RASP operators on s-ops, selectors and constants.

Constants are folded at load time. An operator with an s-op operand becomes an elementwise
``Map`` (one s-op) or ``SequenceMap`` (two); ``and``/``or``/``not`` on selectors become
``SelectorAnd``/``SelectorOr``/``SelectorNot``. Encodings follow the rule in README.md:
arithmetic on a numerical s-op stays numerical (``+``/``-`` of two numerical s-ops is a
``LinearSequenceMap``); comparisons, logic, ``in`` and conditionals give categorical s-ops.
Failures raise ``Problem``; the evaluator adds the source position.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from tracr.frontend.diagnostics import Problem
from tracr.rasp import rasp

ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Predicates of select(keys, queries, op): true where `key op query` holds.
PREDICATES = {
    "==": rasp.Comparison.EQ,
    "!=": rasp.Comparison.NEQ,
    "<": rasp.Comparison.LT,
    "<=": rasp.Comparison.LEQ,
    ">": rasp.Comparison.GT,
    ">=": rasp.Comparison.GEQ,
}
_SYMBOLS = {comparison: symbol for symbol, comparison in PREDICATES.items()}
_SYMBOLS.update({rasp.Comparison.TRUE: "true", rasp.Comparison.FALSE: "false"})


def is_sop(value: Any) -> bool:
    return isinstance(value, rasp.SOp)


def is_selector(value: Any) -> bool:
    return isinstance(value, rasp.Selector)


def is_numerical(value: Any) -> bool:
    return is_sop(value) and rasp.is_numerical(value)


def is_constant(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | list | tuple | dict)


# Bounds on load-time constants, so that a doubling chain stops with a clear error.
MAX_CONSTANT_LENGTH = 100_000  # elements of a list, characters of a string, entries of a dict
MAX_INT_BITS = 4096


def check_size(value: Any) -> Any:
    """``value``, or a Problem when it is a constant too large to build at load time."""
    if isinstance(value, str | list | tuple | dict) and len(value) > MAX_CONSTANT_LENGTH:
        raise Problem(f"a constant of {len(value)} elements is too large (the limit is "
                      f"{MAX_CONSTANT_LENGTH}); RASP programs need only small constants")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise Problem(f"an integer of {value.bit_length()} bits is too large (the limit is "
                      f"{MAX_INT_BITS} bits)")
    return value


def describe(value: Any) -> str:
    """Names the kind of ``value`` for error messages ("a selector", "the number 3")."""
    if is_selector(value):
        return "a selector"
    if is_sop(value):
        return "a numerical s-op" if is_numerical(value) else "an s-op"
    if isinstance(value, rasp.Comparison):
        return f"the predicate {_SYMBOLS.get(value, value)}"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a dictionary"
    return "a function"


def _check_operand(symbol: str, value: Any) -> None:
    if not (is_sop(value) or is_constant(value)):
        raise Problem(f"'{symbol}' cannot be applied to {describe(value)}")


def _precheck(symbol: str, args: tuple) -> None:
    """Refuses ``"a" * 10**9`` before building it (``check_size`` would only see it after)."""
    if symbol != "*" or len(args) != 2:
        return
    for seq, count in (args, args[::-1]):
        if isinstance(seq, str | list) and isinstance(count, int):
            if len(seq) * max(count, 0) > MAX_CONSTANT_LENGTH:
                raise Problem(f"'*' would build a constant of {len(seq) * count} elements (the "
                              f"limit is {MAX_CONSTANT_LENGTH})")
    ints = [a for a in args if isinstance(a, int)]
    if len(ints) == 2 and sum(abs(a).bit_length() for a in ints) > MAX_INT_BITS:
        raise Problem(f"'*' would build an integer of over {MAX_INT_BITS} bits")


def _fold(symbol: str, fn: Callable[..., Any], *args: Any) -> Any:
    _precheck(symbol, args)
    try:
        return check_size(fn(*args))
    except Problem:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of constant folding is the user's
        operands = " and ".join(describe(a) for a in args)
        raise Problem(f"cannot compute '{symbol}' of {operands}: {exc}") from None


def lift(fn: Callable[..., Any], *args: Any) -> Any:
    """Applies ``fn`` elementwise: a Map or SequenceMap over the s-op arguments (at most 2)."""
    sops = [a for a in args if is_sop(a)]
    if len(sops) == 1:
        position = next(i for i, a in enumerate(args) if is_sop(a))

        def unary(x: Any) -> Any:
            return fn(*args[:position], x, *args[position + 1 :])

        return rasp.Map(unary, sops[0])
    if len(sops) == 2 and len(args) == 2:
        return rasp.SequenceMap(fn, args[0], args[1])
    raise AssertionError("lift takes one or two s-ops")  # pragma: no cover - callers ensure


def _numerical_if(result: Any, condition: bool) -> Any:
    return rasp.numerical(result) if condition and is_sop(result) else result


def arithmetic(symbol: str, left: Any, right: Any) -> Any:
    """``left symbol right`` for + - * / %."""
    for value in (left, right):
        _check_operand(symbol, value)
    fn = ARITHMETIC[symbol]
    if not (is_sop(left) or is_sop(right)):
        return _fold(symbol, fn, left, right)
    numerical = is_numerical(left) or is_numerical(right)
    if symbol in "+-" and is_numerical(left) and is_numerical(right):
        sign = 1 if symbol == "+" else -1
        return rasp.numerical(rasp.LinearSequenceMap(left, right, 1, sign))
    return _numerical_if(lift(fn, left, right), numerical)


def compare(symbol: str, left: Any, right: Any) -> Any:
    """``left symbol right`` for == != < <= > >=; a categorical boolean s-op."""
    for value in (left, right):
        _check_operand(symbol, value)
    fn = COMPARISONS[symbol]
    if not (is_sop(left) or is_sop(right)):
        return _fold(symbol, fn, left, right)
    return lift(fn, left, right)


def contains(item: Any, container: Any) -> Any:
    """``item in container``: elementwise where either side is an s-op."""
    _check_operand("in", item)
    if is_sop(container):
        return lift(_contains, item, container)
    if not isinstance(container, list | tuple | str | dict):
        raise Problem(
            "the right side of 'in' must be a constant list, string or dictionary, or an "
            f"s-op, not {describe(container)}"
        )
    if not is_sop(item):
        return _fold("in", _contains, item, container)
    return rasp.Map(lambda x: _contains(x, container), item)


def _contains(item: Any, container: Any) -> bool:
    if isinstance(item, list):
        item = tuple(item)
    if isinstance(container, list | tuple):
        return any(_same_constant(item, c) for c in container)
    return item in container


def _same_constant(item: Any, element: Any) -> bool:
    return item == (tuple(element) if isinstance(element, list) else element)


def subscript(container: Any, index: Any) -> Any:
    """``container[index]`` elementwise: a constant indexed by an s-op (``"abc"[indices]``),
    an s-op of sequences indexed by a constant, or both s-ops."""
    for value in (container, index):
        _check_operand("[]", value)
    if isinstance(container, list):
        container = tuple(container)  # captured by the Map: keep it unchanged
    if isinstance(index, list):
        index = tuple(index)
    return lift(operator.getitem, container, index)


def negate(symbol: str, value: Any) -> Any:
    """Unary ``-`` or ``+``."""
    _check_operand(symbol, value)
    fn = operator.neg if symbol == "-" else operator.pos
    if not is_sop(value):
        return _fold(symbol, fn, value)
    return _numerical_if(rasp.Map(fn, value), is_numerical(value))


def elementwise(name: str, fn: Callable[[Any], Any], value: Any) -> Any:
    """A one-argument function (abs, round) applied to a constant or to each element."""
    _check_operand(name, value)
    if not is_sop(value):
        return _fold(name, fn, value)
    return _numerical_if(rasp.Map(fn, value), is_numerical(value))


def _both(a: Any, b: Any) -> bool:
    return bool(a) and bool(b)


def _either(a: Any, b: Any) -> bool:
    return bool(a) or bool(b)


def logical(symbol: str, left: Any, right: Any) -> Any:
    """``and`` / ``or`` on selectors (composite selectors) or on s-ops and constants."""
    if is_selector(left) or is_selector(right):
        if not (is_selector(left) and is_selector(right)):
            other = right if is_selector(left) else left
            raise Problem(f"'{symbol}' of a selector needs another selector, not {describe(other)}")
        combine = rasp.SelectorAnd if symbol == "and" else rasp.SelectorOr
        return combine(left, right)
    for value in (left, right):
        _check_operand(symbol, value)
    fn = _both if symbol == "and" else _either
    if not (is_sop(left) or is_sop(right)):
        return fn(left, right)
    return lift(fn, left, right)


def logical_not(value: Any) -> Any:
    """``not``: SelectorNot on a selector, elementwise on an s-op."""
    if is_selector(value):
        return rasp.SelectorNot(value)
    _check_operand("not", value)
    if not is_sop(value):
        return not value
    return rasp.Map(operator.not_, value)


def conditional(condition: Any, then: Any, otherwise: Any) -> Any:
    """Elementwise ``then if condition else otherwise`` for an s-op ``condition``."""
    for value in (then, otherwise):
        if not (is_sop(value) or is_constant(value)):
            raise Problem(f"the branches of 'if' must be s-ops or constants, not {describe(value)}")
    if not (is_sop(then) or is_sop(otherwise)):
        return rasp.Map(lambda c: then if c else otherwise, condition)
    if not is_sop(otherwise):
        return rasp.SequenceMap(lambda c, x: x if c else otherwise, condition, then)
    if not is_sop(then):
        return rasp.SequenceMap(lambda c, y: then if c else y, condition, otherwise)
    paired = rasp.SequenceMap(lambda c, x: (c, x), condition, then)
    return rasp.SequenceMap(lambda p, y: p[1] if p[0] else y, paired, otherwise)
