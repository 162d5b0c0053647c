"""A one-line progress bar on stderr for ``tracr verify`` (no dependency).

``enabled=None`` draws only when the stream is a terminal and the run has lasted ``delay``
seconds, so short runs and redirected output stay clean; ``enabled=True`` always draws.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
WIDTH = 30


class Progress:
    def __init__(
        self,
        total: int,
        label: str = "",
        stream: TextIO | None = None,
        enabled: bool | None = None,
        delay: float = 0.5,
        interval: float = 0.1,
    ):
        self.total = max(total, 1)
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        else:
            delay = 0.0
        self.enabled = enabled
        self.done = 0
        self._start = time.monotonic()
        self._next_draw = self._start + delay
        self._interval = interval
        self._drawn = False

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        """Yields ``items`` unchanged, counting each one as done when the next is asked for."""
        for item in items:
            yield item
            self.update()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now >= self._next_draw:
            self._draw(now)
            self._next_draw = now + self._interval

    def close(self) -> None:
        """Draws the final state (when anything was drawn, or drawing is forced) and ends the
        line."""
        if self.enabled and (self._drawn or self._next_draw <= self._start):
            self._draw(time.monotonic())
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0)
        filled = int(frac * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total} {frac:4.0%} {now - self._start:.1f}s"
        )
        self.stream.flush()
        self._drawn = True
