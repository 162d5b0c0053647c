"""Frontend, the other way: a RASP program -> ``.rasp`` source text that ``load`` reads back.

``dumps(program)`` writes one assignment per expression, children first, in the dialect of
README.md here. Maps and SequenceMaps are written from their functions' names: a
``catalogue`` function, or a callable given a template with ``register``; any other function
(an arbitrary lambda) cannot be written, and ``dumps`` raises ``DumpError`` naming the
expression rather than guess. Reading the text back with ``load_program`` gives a program that
evaluates to the same output on every input; encodings and Aggregate defaults are written
wherever the frontend's own rule would choose differently.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

from tracr.errors import DumpError
from tracr.frontend import builtins
from tracr.frontend.catalogue import CatalogueFunction
from tracr.rasp import rasp

__all__ = ["DumpError", "dumps", "register"]

_REGISTERED: dict[int, tuple[Callable[..., Any], CatalogueFunction]] = {}
_RESERVED = {"def", "for", "in", "return", "if", "else", "and", "or", "not"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_PRIMITIVES = {rasp.TokensType: "tokens", rasp.IndicesType: "indices", rasp.LengthType: "length"}
_PREDICATES = {
    rasp.Comparison.EQ: "==", rasp.Comparison.NEQ: "!=", rasp.Comparison.LT: "<",
    rasp.Comparison.LEQ: "<=", rasp.Comparison.GT: ">", rasp.Comparison.GEQ: ">=",
    rasp.Comparison.TRUE: "true", rasp.Comparison.FALSE: "false",
}  # fmt: skip


def register(
    fn: Callable[..., Any],
    template: str,
    *,
    keeps_numerical: bool = False,
    numerical_output: bool = False,
) -> Callable[..., Any]:
    """Teaches ``dumps`` to write ``fn`` (by identity) as ``template``; returns ``fn``.

    ``template`` is RASP source with ``{x}`` (and ``{y}`` for a SequenceMap) for the operands,
    e.g. ``register(lambda x: x % 5, "{x} % 5")``. The caller vouches that the frontend reads
    the template as the same function.
    """
    if not callable(fn):
        raise DumpError(f"register() needs a callable, not {type(fn).__name__}")
    arity = 2 if "{y}" in template else 1
    entry = CatalogueFunction(getattr(fn, "__name__", "registered"), arity, template, fn,
                              keeps_numerical=keeps_numerical,
                              numerical_output=numerical_output)  # fmt: skip
    _REGISTERED[id(fn)] = (fn, entry)
    return fn


def dumps(program: rasp.RASPExpr) -> str:
    """The program as RASP source text; its last line assigns the output s-op."""
    if not isinstance(program, rasp.SOp):
        raise DumpError(f"dumps() needs an SOp (the program's output), not {program!r}")
    if isinstance(program, rasp.Full):
        raise DumpError(f"cannot write {program.label}: the output must be computed, not a Full")
    writer = _Writer(rasp.topological_sort(program))
    lines = [line for node in writer.nodes if (line := writer.statement(node))]
    if writer.names.get(program.unique_id) is None or _is_primitive(program):
        lines.append(f"output = {writer.operand(program)}")
    return "\n".join(lines) + "\n"


def _is_primitive(node: rasp.RASPExpr) -> bool:
    return type(node) in _PRIMITIVES


def _steps(fn: Callable[..., Any]) -> tuple[Callable[..., Any], ...]:
    """A fused chain of Maps (``Map(f, Map(g, x))``) is written step by step."""
    steps = getattr(fn, "steps", None)
    return tuple(steps) if type(fn).__name__ == "_Chain" and steps else (fn,)


def _function(node: rasp.RASPExpr, fn: Callable[..., Any]) -> CatalogueFunction:
    if isinstance(fn, CatalogueFunction):
        return fn
    registered = _REGISTERED.get(id(fn))
    if registered is not None and registered[0] is fn:
        return registered[1]
    raise DumpError(
        f"cannot write {node.label} ({type(node).__name__}) as RASP source: its function "
        f"{fn!r} is neither a tracr.frontend.catalogue function nor registered with "
        "tracr.frontend.dumping.register(fn, template)"
    )


def _paren(text: str) -> str:
    return text if _IDENTIFIER.fullmatch(text) else f"({text})"


def _constant(node: rasp.RASPExpr, value: Any) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise DumpError(f"cannot write {node.label}: the constant {value!r} has no RASP source form")


class _Writer:
    """Names every expression once and writes its statement."""

    def __init__(self, nodes: list[rasp.RASPExpr]):
        self.nodes = nodes
        self.names: dict[int, str | None] = {}
        taken = set(builtins.predefined()) | _RESERVED | {"output"}
        counts: dict[str, int] = {}
        for node in nodes:
            counts[node.name] = counts.get(node.name, 0) + 1
        for node in nodes:
            if _is_primitive(node) or isinstance(node, rasp.Full):
                self.names[node.unique_id] = None  # written inline
                continue
            name = node.name
            if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name) or counts[name] > 1:
                name = re.sub(r"\W", "_", node.label)
            while name in taken:
                name += "_"
            taken.add(name)
            self.names[node.unique_id] = name

    def operand(self, node: rasp.RASPExpr) -> str:
        """How a child is referred to: its variable, or a primitive or constant inline."""
        if _is_primitive(node):
            text = _PRIMITIVES[type(node)]
            return f"numerical({text})" if rasp.is_numerical(node) else text
        if isinstance(node, rasp.Full):
            if rasp.is_numerical(node):
                raise DumpError(f"cannot write {node.label}: a numerical Full has no source form")
            return _constant(node, node.fill)
        return self.names[node.unique_id]

    def statement(self, node: rasp.RASPExpr) -> str | None:
        name = self.names[node.unique_id]
        if name is None:
            return None
        write = _WRITERS.get(type(node))
        if write is None:
            raise DumpError(
                f"cannot write {node.label}: RASP source has no form for {type(node).__name__}"
            )
        return f"{name} = {write(self, node)}"

    def need_sop_operand(self, node: rasp.RASPExpr, child: rasp.RASPExpr) -> str:
        if isinstance(child, rasp.Full):
            raise DumpError(
                f"cannot write {node.label}: a Full used as the input of "
                f"{type(node).__name__} has no source form (use the constant in the function)"
            )
        return self.operand(child)


def _encode(node: rasp.RASPExpr, text: str, frontend_numerical: bool) -> str:
    """Wraps ``text`` when the frontend's encoding rule would disagree with the node's."""
    if rasp.is_numerical(node) == frontend_numerical:
        return text
    return f"{'numerical' if rasp.is_numerical(node) else 'categorical'}({text})"


def _map(w: _Writer, node: rasp.Map) -> str:
    text = w.need_sop_operand(node, node.inner)
    numerical = rasp.is_numerical(node.inner)
    for step in _steps(node.f):
        fn = _function(node, step)
        text = fn.text(_paren(text))
        numerical = fn.numerical_output or (numerical and fn.keeps_numerical)
    return _encode(node, text, numerical)


def _sequence_map(w: _Writer, node: rasp.SequenceMap) -> str:
    fn = _function(node, node.f)
    a, b = (w.need_sop_operand(node, child) for child in node.children)
    numerical = fn.numerical_output or (
        fn.keeps_numerical and (rasp.is_numerical(node.fst) or rasp.is_numerical(node.snd))
    )
    return _encode(node, fn.text(_paren(a), _paren(b)), numerical)


def _linear(w: _Writer, node: rasp.LinearSequenceMap) -> str:
    a, b = (w.need_sop_operand(node, child) for child in node.children)
    fa, fb = node.fst_fac, node.snd_fac
    numerical = rasp.is_numerical(node.fst) or rasp.is_numerical(node.snd)
    both = rasp.is_numerical(node.fst) and rasp.is_numerical(node.snd)
    if both and (fa, fb) in ((1, 1), (1, -1)):  # what the frontend makes of + and -
        text = f"{a} {'+' if fb == 1 else '-'} {b}"
    else:
        text = f"linear({a}, {b}, {fa!r}, {fb!r})"
    return _encode(node, text, numerical)


def _select(w: _Writer, node: rasp.Select) -> str:
    predicate = _PREDICATES.get(node.predicate)
    if predicate is None:
        raise DumpError(
            f"cannot write {node.label}: its predicate {node.predicate!r} is a Python function; "
            "RASP source has only == != < <= > >= true false"
        )
    return f"select({w.operand(node.keys)}, {w.operand(node.queries)}, {predicate})"


def _aggregate(w: _Writer, node: rasp.Aggregate) -> str:
    numerical = rasp.is_numerical(node.sop) and not isinstance(node.sop, rasp.Full)
    args = [w.names[node.selector.unique_id], w.operand(node.sop)]
    implied = 0 if numerical else None
    if not (type(node.default) is type(implied) and node.default == implied):
        args.append(_constant(node, node.default))
    return _encode(node, f"aggregate({', '.join(args)})", numerical)


def _selector_width(w: _Writer, node: rasp.SelectorWidth) -> str:
    return _encode(node, f"selector_width({w.names[node.selector.unique_id]})", False)


def _combination(symbol: str) -> Callable[[_Writer, Any], str]:
    def write(w: _Writer, node: Any) -> str:
        return f"{w.names[node.fst.unique_id]} {symbol} {w.names[node.snd.unique_id]}"

    return write


def _not(w: _Writer, node: rasp.SelectorNot) -> str:
    return f"not {w.names[node.inner.unique_id]}"


_WRITERS: dict[type, Callable[[_Writer, Any], str]] = {
    rasp.Map: _map,
    rasp.SequenceMap: _sequence_map,
    rasp.LinearSequenceMap: _linear,
    rasp.Select: _select,
    rasp.Aggregate: _aggregate,
    rasp.SelectorWidth: _selector_width,
    rasp.SelectorAnd: _combination("and"),
    rasp.SelectorOr: _combination("or"),
    rasp.SelectorNot: _not,
}
