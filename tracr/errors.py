"""The exception hierarchy of tracr.

Every error tracr raises on purpose is a ``TracrError``. Each subclass also subclasses the
builtin exception a user would naturally catch, so ``except ValueError`` keeps working for a
malformed program and ``except NotImplementedError`` for a program tracr cannot compile.
This module imports nothing from tracr.
"""

from __future__ import annotations

from collections.abc import Sequence


class TracrError(Exception):
    """Base class of every error raised on purpose by tracr."""


class RASPTypeError(TracrError, TypeError):
    """A RASP expression was built from arguments of the wrong kind."""


class RASPValueError(TracrError, ValueError):
    """A RASP expression was built from arguments with invalid values."""


class EvaluationError(TracrError, ValueError):
    """Evaluating a RASP expression failed (a user function raised, or a rule was broken).

    ``expr`` is the expression whose evaluation failed (set by the evaluator).
    """

    expr: object = None


class CompilerError(TracrError, ValueError):
    """The arguments of ``compile_rasp_to_model`` are invalid."""


class UnsupportedExprError(TracrError, NotImplementedError):
    """The program uses expressions that tracr cannot compile exactly.

    ``problems`` lists every offending expression, one line each.
    """

    def __init__(self, problems: Sequence[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"cannot compile {len(self.problems)} expression(s):\n{lines}")


class ModelInputError(TracrError, ValueError):
    """An input given to a compiled model is invalid (unknown token, too long, ...)."""


class ModelFormatError(TracrError, ValueError):
    """A saved model file is corrupted or of an unsupported format version."""


class BackendError(TracrError, ValueError):
    """A backend cannot build the model as asked (not a model, an unusable dtype or device)."""


class InexactFormatError(BackendError):
    """A backend was asked for a number format in which the model is not proven exact."""


class PrecisionWarning(UserWarning):
    """A model whose exactness in a narrower format was never checked (an older file) is
    converted to that format."""


class MissingDependencyError(TracrError, ImportError):
    """An optional extra is needed for this feature and is not installed."""

    def __init__(self, package: str, extra: str):
        self.package = package
        self.extra = extra
        super().__init__(
            f"this feature needs the optional package {package!r}; "
            f"install it with: pip install 'tracr[{extra}]'"
        )


class FrontendError(TracrError, SyntaxError):
    """RASP source text could not be parsed or resolved (carries file, line and column)."""


class CompressionError(TracrError, ValueError):
    """``tracr.compress`` was asked for something it cannot do (a bad size, a bad domain)."""


class DumpError(TracrError, ValueError):
    """A program cannot be written as RASP source text (``tracr.frontend.dumps``)."""


class DatasetError(TracrError, ValueError):
    """A dataset directory or generation setting is unusable (``tracr.datasets``)."""
