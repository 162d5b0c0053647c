"""``ignoring_arithmetic_errors``: a user function that answers None where it would raise an
``ArithmeticError`` (division by zero, overflow), as in the reference.

The compiler needs no such wrapper (value-set inference already drops an input a function
raises on, with a warning); this is for code written for the reference, which wraps the
functions of its Maps with it. A skipped input is logged with ``logging`` (not
``warnings``), as the reference logged it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def ignoring_arithmetic_errors(fun: F) -> F:
    """``fun`` returning None (and logging a warning) instead of raising ArithmeticError."""

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return fun(*args, **kwargs)
        except ArithmeticError as exc:
            logger.warning(
                "%s raised %s on %r; assuming this input never occurs and returning None",
                getattr(fun, "__name__", "function"), type(exc).__name__, args,
            )
            return None

    return wrapped  # type: ignore[return-value]
