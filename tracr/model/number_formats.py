"""Number formats a backend can run a compiled model in, and where the model is exact in each.

The compiler proves a model exact in float64 (the numpy model) or refuses it. The backends
can run it in narrower formats; for those the compiler records, per format, the problems it
found (``PrecisionRecord``): an empty tuple means "exact in this format", a non-empty one
lists each expression that float arithmetic in that format can make wrong, with the numbers.
A model saved before the record existed has ``precision=None``: not checked.

>>> FLOAT32.eps, FLOAT16.max
(1.1920928955078125e-07, 65504.0)
>>> rec = PrecisionRecord({"float32": (), "bfloat16": ("map 'x' ...",), "float16": ()})
>>> rec.is_exact("float32"), rec.is_exact("bfloat16"), rec.is_exact("float64")
(True, False, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from tracr.errors import InexactFormatError, PrecisionWarning


@dataclasses.dataclass(frozen=True)
class NumberFormat:
    """A binary floating-point format: ``eps`` is the gap above 1.0 (twice the unit
    roundoff), ``max`` the largest finite value."""

    name: str
    eps: float
    max: float

    @property
    def unit(self) -> float:
        """The unit roundoff: a correctly rounded operation is off by at most this, relatively."""
        return self.eps / 2

    def rounding_of(self, x: float) -> float:
        """How far ``x`` moves when stored in this format (0 where it is representable)."""
        return float(np.abs(x - self.round_array(np.array([x], dtype=float)))[0])

    def round(self, x: float) -> float:
        """``x`` rounded to the nearest value of this format (ties to even)."""
        return float(self.round_array(np.array([x], dtype=float))[0])

    def round_array(self, x: np.ndarray) -> np.ndarray:
        """Every float64 in ``x`` rounded to this format (beyond its range: inf)."""
        with np.errstate(over="ignore", invalid="ignore"):
            if self.name == "float32":
                return x.astype(np.float32).astype(float)
            if self.name == "float16":
                return x.astype(np.float16).astype(float)
            if self.name == "bfloat16":  # float32's top 16 bits, rounded to nearest even
                bits = x.astype(np.float32).view(np.uint32)
                rounded = (bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) & \
                    np.uint32(0xFFFF0000)
                out = rounded.view(np.float32).astype(float)
                return np.where(np.isfinite(x), out, x)
        return x.astype(float)

    @property
    def largest_exact_integer(self) -> int:
        """Every integer up to this magnitude is representable (2**24 for float32)."""
        return 2 ** round(1 - math.log2(self.eps))


FLOAT64 = NumberFormat("float64", 2.0**-52, 1.7976931348623157e308)
FLOAT32 = NumberFormat("float32", 2.0**-23, 3.4028234663852886e38)
BFLOAT16 = NumberFormat("bfloat16", 2.0**-7, 3.3895313892515355e38)
FLOAT16 = NumberFormat("float16", 2.0**-10, 65504.0)
# The formats the compiler checks and records (float64 is proven at compile time or refused).
CHECKED_FORMATS = (FLOAT32, BFLOAT16, FLOAT16)
FORMATS = {f.name: f for f in (FLOAT64, *CHECKED_FORMATS)}


@dataclasses.dataclass(frozen=True)
class PrecisionRecord:
    """Per checked format (``float32``, ``bfloat16``, ``float16``): the problems found, each
    a line naming the expression and the numbers; ``()`` means exact in that format."""

    problems: Mapping[str, tuple[str, ...]]

    def is_exact(self, fmt: str) -> bool:
        """True where the compiler proved the model exact in ``fmt`` (float64 always)."""
        if fmt == FLOAT64.name:
            return True
        return fmt in self.problems and not self.problems[fmt]

    def to_json(self) -> dict[str, list[str]]:
        return {name: list(lines) for name, lines in self.problems.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, list[str]]) -> PrecisionRecord:
        return cls({name: tuple(lines) for name, lines in data.items()})


def default_format(record: PrecisionRecord | None) -> str:
    """What a backend runs in when no dtype is given: float32 where the model is proven
    exact in it, float64 otherwise (also for a model never checked)."""
    return FLOAT32.name if record is not None and record.is_exact(FLOAT32.name) else "float64"


def require_exact(record: PrecisionRecord | None, fmt: str, *, allow_inexact: bool,
                  advice: str) -> None:
    """Raise ``InexactFormatError`` unless the model is proven exact in ``fmt`` (float64
    always is); ``allow_inexact`` accepts it. A model never checked only warns."""
    if fmt == FLOAT64.name or allow_inexact:
        return
    if record is None or fmt not in record.problems:
        import warnings

        warnings.warn(PrecisionWarning(
            f"this model's exactness in {fmt} was never checked (it was saved before tracr "
            f"recorded it, or {fmt} is not a checked format); its outputs may be wrong in "
            f"{fmt}. {advice}, or compile it again to have it checked"), stacklevel=3)
        return
    problems = record.problems[fmt]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InexactFormatError(
            f"this model is not exact in {fmt}: {problems[0]}{more}. {advice}, or pass "
            "allow_inexact=True to accept outputs that may be wrong")
