"""Frontend: the names every RASP program starts with.

``tokens``, ``indices`` and ``length`` (the s-op primitives of the RASP paper), the constants
``true``/``false`` (also spelled ``True``/``False``) and ``None``, and the built-in functions
listed in ``BUILTIN_FUNCTIONS``. None of these names can be reassigned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracr.frontend import operators as ops
from tracr.frontend.diagnostics import Problem
from tracr.rasp import rasp

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Builtin:
    """A built-in function: ``params`` name its arguments, the first ``required`` are needed."""

    name: str
    params: tuple[str, ...]
    required: int
    fn: Callable[..., Any]

    def __call__(self, *args: Any) -> Any:
        if not self.required <= len(args) <= len(self.params):
            raise Problem(f"{self.name}() {_takes(self.required, self.params)}, got {len(args)}")
        return self.fn(*args)


def _takes(required: int, params: tuple[str, ...]) -> str:
    count = str(required) if required == len(params) else f"{required} to {len(params)}"
    if len(params) - required == 1:
        count = f"{required} or {len(params)}"
    plural = "" if count == "1" else "s"
    return f"takes {count} argument{plural} ({', '.join(params)})"


def _sop_argument(function: str, value: Any, index: int, what: str) -> Any:
    """An s-op argument; a constant becomes ``Full(constant)``."""
    if ops.is_sop(value):
        return value
    if ops.is_constant(value):
        return rasp.Full(value)
    raise Problem(
        f"{function}() needs an s-op or constant as {what}, not {ops.describe(value)}", index
    )


def _selector_argument(function: str, value: Any) -> Any:
    if not ops.is_selector(value):
        raise Problem(
            f"{function}() needs a selector as its first argument, not {ops.describe(value)}", 0
        )
    return value


def _comparable(sop: Any) -> Any:
    """A numerical s-op as a categorical copy (a discretising MLP): heads compare categories."""
    if ops.is_numerical(sop):
        return rasp.categorical(rasp.Map(_same, sop))
    return sop


def _same(x: Any) -> Any:
    return x


def select(keys: Any, queries: Any, predicate: Any) -> Any:
    keys = _comparable(_sop_argument("select", keys, 0, "keys"))
    queries = _comparable(_sop_argument("select", queries, 1, "queries"))
    if isinstance(predicate, bool):
        predicate = rasp.Comparison.TRUE if predicate else rasp.Comparison.FALSE
    if not isinstance(predicate, rasp.Comparison):
        raise Problem(
            "select() needs a predicate as its third argument (one of == != < <= > >= "
            f"true false), not {ops.describe(predicate)}",
            2,
        )
    return rasp.Select(keys, queries, predicate)


def aggregate(selector: Any, sop: Any, default: Any = _NO_DEFAULT) -> Any:
    selector = _selector_argument("aggregate", selector)
    sop = _sop_argument("aggregate", sop, 1, "the values to aggregate")
    if default is not _NO_DEFAULT and not ops.is_constant(default):
        raise Problem(f"aggregate() needs a constant default, not {ops.describe(default)}", 2)
    if ops.is_numerical(sop):
        default = 0 if default is _NO_DEFAULT else default
        return rasp.numerical(rasp.Aggregate(selector, sop, default=default))
    default = None if default is _NO_DEFAULT else default
    return rasp.categorical(rasp.Aggregate(selector, sop, default=default))


def selector_width(selector: Any) -> Any:
    return rasp.SelectorWidth(_selector_argument("selector_width", selector))


def _one_if_true(value: Any) -> int:
    return 1 if value else 0


def indicator(value: Any) -> Any:
    if ops.is_selector(value):
        raise Problem("indicator() needs an s-op or constant, not a selector", 0)
    result = ops.elementwise("indicator", _one_if_true, value)
    return rasp.numerical(result) if ops.is_sop(result) else result


def linear(fst: Any, snd: Any, fst_fac: Any, snd_fac: Any) -> Any:
    """``fst_fac * fst + snd_fac * snd`` as one ``rasp.LinearSequenceMap``; numerical when
    either input is (like ``+``)."""
    for index, value in enumerate((fst, snd)):
        if not ops.is_sop(value):
            raise Problem(f"linear() needs s-ops as its first two arguments, not "
                          f"{ops.describe(value)}", index)  # fmt: skip
    for index, value in enumerate((fst_fac, snd_fac), start=2):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Problem(f"linear() needs constant numbers as factors, not "
                          f"{ops.describe(value)}", index)  # fmt: skip
    result = rasp.LinearSequenceMap(fst, snd, fst_fac, snd_fac)
    return rasp.numerical(result) if ops.is_numerical(fst) or ops.is_numerical(snd) else result


def _encoding(name: str, annotate: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def set_encoding(sop: Any) -> Any:
        if not ops.is_sop(sop):
            raise Problem(f"{name}() needs an s-op, not {ops.describe(sop)}", 0)
        return annotate(sop)

    return set_encoding


def _range(*args: Any) -> list[int]:
    for index, value in enumerate(args):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Problem(f"range() needs constant integers, not {ops.describe(value)}", index)
    if len(args) == 3 and args[2] == 0:
        raise Problem("range() step must not be zero", 2)
    numbers = range(*args)
    if len(numbers) > ops.MAX_CONSTANT_LENGTH:
        raise Problem(f"range() of {len(numbers)} numbers is too long (the limit is "
                      f"{ops.MAX_CONSTANT_LENGTH}; loops run when the program is loaded)")
    return list(numbers)


def _zip(*args: Any) -> list[list]:
    for index, value in enumerate(args):
        if not isinstance(value, list | tuple | str):
            raise Problem(f"zip() needs constant lists or strings, not {ops.describe(value)}",
                          index)
    return [list(items) for items in zip(*args, strict=False)]


def _len(value: Any) -> int:
    if not isinstance(value, list | tuple | str | dict):
        raise Problem(
            f"len() needs a constant list or string, not {ops.describe(value)} "
            "(the length of the input is the s-op 'length')",
            0,
        )
    return len(value)


BUILTIN_FUNCTIONS = (
    Builtin("select", ("keys", "queries", "predicate"), 3, select),
    Builtin("aggregate", ("selector", "sop", "default"), 2, aggregate),
    Builtin("selector_width", ("selector",), 1, selector_width),
    Builtin("indicator", ("x",), 1, indicator),
    Builtin("linear", ("fst", "snd", "fst_fac", "snd_fac"), 4, linear),
    Builtin("numerical", ("sop",), 1, _encoding("numerical", rasp.numerical)),
    Builtin("categorical", ("sop",), 1, _encoding("categorical", rasp.categorical)),
    Builtin("round", ("x",), 1, lambda x: ops.elementwise("round", round, x)),
    Builtin("abs", ("x",), 1, lambda x: ops.elementwise("abs", abs, x)),
    Builtin("range", ("start", "stop", "step"), 1, _range),
    Builtin("len", ("list",), 1, _len),
    Builtin("zip", ("first", "second", "third", "fourth"), 1, _zip),
)


def _as_int(token: Any) -> int:
    if isinstance(token, str):
        return int(token.strip())
    if isinstance(token, float) and not token.is_integer():
        raise ValueError(f"{token!r} is not an integer")
    return int(token)


def _as_float(token: Any) -> float:
    return float(token.strip() if isinstance(token, str) else token)


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


def _as_bool(token: Any) -> bool:
    if isinstance(token, str):
        if token.strip().lower() not in _BOOL_WORDS:
            raise ValueError(f"{token!r} is not a boolean")
        return _BOOL_WORDS[token.strip().lower()]
    return bool(token)


def typed_tokens() -> dict[str, Any]:
    """The paper's ``tokens_str``/``_int``/``_float``/``_bool``: the input read as that type.

    ``tokens_str`` is ``tokens`` itself (compile with a vocabulary of strings); the others are
    categorical Maps converting each vocabulary token (one MLP; a token that does not convert
    is outside the program's domain).
    """
    names: dict[str, Any] = {"tokens_str": rasp.tokens}
    for name, convert in (("tokens_int", _as_int), ("tokens_float", _as_float),
                          ("tokens_bool", _as_bool)):
        names[name] = rasp.categorical(rasp.Map(convert, rasp.tokens)).named(name)
    return names


def predefined() -> dict[str, Any]:
    """A table of every predefined name."""
    names: dict[str, Any] = {"tokens": rasp.tokens, "indices": rasp.indices, "length": rasp.length}
    names.update(typed_tokens())
    names.update({"true": True, "True": True, "false": False, "False": False, "None": None})
    names.update({b.name: b for b in BUILTIN_FUNCTIONS})
    return names
