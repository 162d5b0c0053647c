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

import functools
import os
from pathlib import Path
from typing import Any

import lark

from tracr.errors import FrontendError
from tracr.frontend import operators as ops
from tracr.frontend.diagnostics import RASPSourceError, Source
from tracr.frontend.dumping import DumpError, dumps, register
from tracr.frontend.evaluator import Evaluator, Result
from tracr.frontend.parsing import parse
from tracr.frontend.repl_commands import blank_repl_commands

__all__ = [
    "OUTPUT_NAME",
    "DumpError",
    "FrontendError",
    "Loaded",
    "RASPSourceError",
    "dumps",
    "load",
    "load_program",
    "register",
]

OUTPUT_NAME = "output"
LIBRARY_PATH = Path(__file__).with_name("rasplib.rasp")


class Loaded(dict):
    """``load``'s result: ``{name: expression}``, plus ``notes`` about what was ignored
    (the paper's REPL-only commands, one note each)."""

    notes: tuple[str, ...] = ()


@functools.cache
def _library() -> tuple[Source, lark.Tree]:
    source = Source(LIBRARY_PATH.read_text(encoding="utf-8"), "<rasplib>")
    return source, parse(source)


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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrontendError(
            f"{filename or path}: the file is not UTF-8 text (byte {exc.start}: {exc.reason}); "
            "save it as UTF-8"
        ) from None
    return Source(text, filename or str(path))


def _interpret(
    source: str | os.PathLike[str], filename: str | None, library: bool = True
) -> tuple[Source, Result]:
    text, notes = blank_repl_commands(_read(source, filename))
    try:
        evaluator = Evaluator(text, library=_library() if library else None, notes=notes)
        return text, evaluator.run(parse(text))
    except FrontendError:
        raise
    except RecursionError:
        raise FrontendError(
            f"{text.filename}: expressions are nested too deeply to load; "
            "split them with intermediate assignments"
        ) from None
    except Exception as exc:  # noqa: BLE001 - whatever the source triggers is a source error
        raise FrontendError(f"{text.filename}: cannot load the program: "
                            f"{type(exc).__name__}: {exc}") from exc


def load(
    source: str | os.PathLike[str], *, filename: str | None = None, library: bool = True
) -> Loaded:
    """Parses and runs a RASP program; returns its top-level s-ops and selectors by name.

    Args:
      source: RASP source text, or the path of a ``.rasp`` file (a ``pathlib.Path``, or a
        one-line ``str`` ending in ``.rasp``).
      filename: the name to report errors under (default: the path, or ``<rasp>``).
      library: load the paper's standard library first (``rasplib.rasp``: ``sort``,
        ``count``, ``shift``, ...); a program's own names shadow it.

    Returns:
      ``{name: expression}`` in order of first definition, each expression named after its
      variable (an alias such as ``y = x`` shares ``x``'s node, and ``tokens``/``indices``/
      ``length`` keep their own names). Constants and functions are not included.

    Raises:
      FrontendError: a syntax error, an undefined name, a wrong argument count, an operation
        on values of the wrong kind, ... (message, ``lineno`` and ``offset`` say where).
      FileNotFoundError: ``source`` names a .rasp file that does not exist.
    """
    result = _interpret(source, filename, library)[1]
    loaded = Loaded(
        (name, v) for name, v in result.namespace.items() if ops.is_sop(v) or ops.is_selector(v)
    )
    loaded.notes = result.notes
    return loaded


def load_program(
    source: str | os.PathLike[str],
    name: str | None = None,
    *,
    filename: str | None = None,
    library: bool = True,
) -> Any:
    """Like ``load``, but returns only the program's output s-op.

    The output is the variable ``name`` if given, else the variable ``output`` if the
    program defines one, else the s-op assigned last at top level.
    """
    text, result = _interpret(source, filename, library)
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
