"""Frontend error reporting: where in the RASP source a problem is, and how to say so.

Every problem the frontend finds in user source is raised as ``RASPSourceError``, a
``tracr.errors.FrontendError`` (hence a ``SyntaxError``) whose ``filename``, ``lineno``,
``offset`` (1-based column) and ``text`` are set, and whose message starts with
``file:line:col:``. ``str()`` of the error adds the offending source line and a caret.

Code below the evaluator raises ``Problem`` (no position known); the evaluator catches it and
re-raises it as ``RASPSourceError`` at the expression or argument that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracr.errors import FrontendError


@dataclass(frozen=True)
class Source:
    """RASP source text and the name to report it under."""

    text: str
    filename: str = "<rasp>"

    def line(self, lineno: int) -> str:
        lines = self.text.splitlines()
        return lines[lineno - 1] if 0 < lineno <= len(lines) else ""


class RASPSourceError(FrontendError):
    """A problem in RASP source text, located at ``filename:lineno:offset``."""

    def __str__(self) -> str:
        if not self.text:
            return str(self.msg)
        caret = " " * max((self.offset or 1) - 1, 0) + "^"
        return f"{self.msg}\n    {self.text.rstrip()}\n    {caret}"


class Problem(Exception):
    """A problem whose position the caller knows; ``arg`` is the offending argument's index."""

    def __init__(self, message: str, arg: int | None = None):
        super().__init__(message)
        self.message = message
        self.arg = arg


def source_error(source: Source, line: int, column: int, message: str) -> RASPSourceError:
    """Builds the error for ``message`` at ``line``:``column`` (both 1-based) of ``source``."""
    text = source.line(line)
    err = RASPSourceError(f"{source.filename}:{line}:{column}: {message}")
    err.filename = source.filename
    err.lineno = line
    err.offset = column
    err.text = text
    return err
