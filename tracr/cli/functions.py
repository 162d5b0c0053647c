"""The Python functions of a program's Maps and SequenceMaps, as text for ``tracr show``.

A compiled model keeps only the tables its MLPs compute; the functions that made them live in
the program. For each Map and SequenceMap this prints the function's source where Python can
give it (``inspect.getsource``: the lines that define it, so a lambda comes with the rest of
its line), the values of the variables it closes over, and for a fused chain of Maps each
step in turn. Functions without source (builtins, C functions, code typed at a prompt) are
named instead.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from tracr.rasp import rasp

MAX_LINES = 12
MAX_REPR = 60


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 3] + "..."


def _closure(f: Callable) -> str:
    try:
        names = inspect.getclosurevars(f).nonlocals
    except (TypeError, ValueError):
        return ""
    def show(v: Any) -> str:
        name = getattr(v, "__qualname__", None)
        return name if callable(v) and isinstance(name, str) else _short(v)

    return ", ".join(f"{k}={show(v)}" for k, v in sorted(names.items()))


def function_text(f: Callable) -> str:
    """The source of ``f`` (dedented, at most MAX_LINES lines) and its closure's values."""
    steps = getattr(f, "steps", None)
    if isinstance(steps, tuple) and steps:  # a fused chain of Maps (rasp's _Chain)
        parts = [f"step {i}: " + function_text(s) for i, s in enumerate(steps, start=1)]
        return "a fused chain, applied in order:\n" + textwrap.indent("\n".join(parts), "  ")
    name = getattr(f, "__qualname__", None) or type(f).__name__
    try:
        source = textwrap.dedent(inspect.getsource(f)).strip()
    except (OSError, TypeError):
        return f"{name} (no Python source available)"
    lines = source.splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"... ({len(lines) - MAX_LINES} more lines)"]
    where = _closure(f)
    return "\n".join(lines) + (f"\n  where {where}" if where else "")


def _describe(expr: rasp.SOp) -> str | None:
    if isinstance(expr, rasp.LinearSequenceMap):
        return (f"LinearSequenceMap: {expr.fst_fac!r} * {expr.fst.label} + "
                f"{expr.snd_fac!r} * {expr.snd.label}")
    if isinstance(expr, rasp.Map):
        return f"Map of {expr.inner.label}: " + function_text(expr.f)
    if isinstance(expr, rasp.SequenceMap):
        return f"SequenceMap of {expr.fst.label}, {expr.snd.label}: " + function_text(expr.f)
    return None


def functions_text(program: rasp.SOp) -> str:
    """One entry per Map / SequenceMap of ``program``, children first."""
    entries = []
    for expr in rasp.topological_sort(program):
        text = _describe(expr)
        if text is not None:
            first, *rest = text.splitlines()
            entries.append("\n".join([f"{expr.label} = {first}", *("  " + r for r in rest)]))
    return "\n".join(entries) if entries else "(the program has no Map or SequenceMap)"
