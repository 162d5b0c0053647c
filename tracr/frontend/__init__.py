"""Load RASP programs written in the RASP language (Weiss et al. 2021) as tracr expressions.

>>> from tracr.frontend import load, load_program
>>> names = load('''
... flip = select(indices, length - indices - 1, ==);
... reverse = aggregate(flip, tokens);
... ''')
>>> list(names)
['flip', 'reverse']
>>> program = load_program("output = aggregate(select(indices, 0, ==), tokens)")
>>> program([3, 1, 2])
[3, 3, 3]

``load`` returns every top-level s-op and selector by name; ``load_program`` returns the
program's output: the variable named by ``name=``, else a variable called ``output``, else
the s-op assigned last at top level. The language, the encoding rule (which aggregates are
numerical) and the differences from tracr's Python RASP are described in README.md here.
Every problem in the source raises ``tracr.errors.FrontendError`` with file, line and column.
``dumps(program)`` writes a program back as source text (functions from ``catalogue``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tracr.errors import FrontendError
from tracr.frontend import operators as ops
from tracr.frontend.diagnostics import RASPSourceError, Source
from tracr.frontend.dumping import DumpError, dumps, register
from tracr.frontend.evaluator import Evaluator, Result
from tracr.frontend.parsing import parse

__all__ = [
    "OUTPUT_NAME",
    "DumpError",
    "FrontendError",
    "RASPSourceError",
    "dumps",
    "load",
    "load_program",
    "register",
]

OUTPUT_NAME = "output"


def _read(source: str | os.PathLike[str], filename: str | None) -> Source:
    """Source text from a path (a ``Path``, or a one-line str ending in .rasp) or the text."""
    is_path = isinstance(source, os.PathLike) or (
        "\n" not in source and source.strip().endswith(".rasp")
    )
    if not is_path:
        return Source(str(source), filename or "<rasp>")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"no RASP source file at {str(path)!r}")
    return Source(path.read_text(encoding="utf-8"), filename or str(path))


def _interpret(source: str | os.PathLike[str], filename: str | None) -> tuple[Source, Result]:
    text = _read(source, filename)
    try:
        return text, Evaluator(text).run(parse(text))
    except RecursionError:
        raise FrontendError(
            f"{text.filename}: expressions are nested too deeply to load; "
            "split them with intermediate assignments"
        ) from None


def load(source: str | os.PathLike[str], *, filename: str | None = None) -> dict[str, Any]:
    """Parses and runs a RASP program; returns its top-level s-ops and selectors by name.

    Args:
      source: RASP source text, or the path of a ``.rasp`` file (a ``pathlib.Path``, or a
        one-line ``str`` ending in ``.rasp``).
      filename: the name to report errors under (default: the path, or ``<rasp>``).

    Returns:
      ``{name: expression}`` in order of first definition, each expression named after its
      variable (an alias such as ``y = x`` shares ``x``'s node, and ``tokens``/``indices``/
      ``length`` keep their own names). Constants and functions are not included.

    Raises:
      FrontendError: a syntax error, an undefined name, a wrong argument count, an operation
        on values of the wrong kind, ... (message, ``lineno`` and ``offset`` say where).
      FileNotFoundError: ``source`` names a .rasp file that does not exist.
    """
    namespace = _interpret(source, filename)[1].namespace
    return {name: v for name, v in namespace.items() if ops.is_sop(v) or ops.is_selector(v)}


def load_program(
    source: str | os.PathLike[str], name: str | None = None, *, filename: str | None = None
) -> Any:
    """Like ``load``, but returns only the program's output s-op.

    The output is the variable ``name`` if given, else the variable ``output`` if the
    program defines one, else the s-op assigned last at top level.
    """
    text, result = _interpret(source, filename)
    label = text.filename
    if name is None:
        name = OUTPUT_NAME if OUTPUT_NAME in result.namespace else result.last_sop
        if name is None:
            raise FrontendError(f"{label}: the program assigns no s-op, so it has no output")
    if name not in result.namespace:
        raise FrontendError(f"{label}: the program defines no variable {name!r}")
    value = result.namespace[name]
    if not ops.is_sop(value):
        raise FrontendError(
            f"{label}: the output {name!r} must be an s-op, not {ops.describe(value)}"
        )
    return value
