"""Datasets: a hash of a program's structure, blind to names, that spots duplicates.

Two programs hash alike when they are the same expression graph up to naming: the same
operations with the same functions (catalogue name and constants; a fused chain of Maps is
its list of steps), predicates, defaults, encodings and inputs. ``DigestSet`` remembers the
hashes seen so far in 8 bytes each (their first 64 bits), the one thing the driver keeps
per program.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from tracr.rasp import rasp


def _function_key(fn: Any) -> str:
    steps = getattr(fn, "steps", None)
    if type(fn).__name__ == "_Chain" and steps:
        return "|".join(_function_key(step) for step in steps)
    return repr(fn)


def _own_key(node: rasp.RASPExpr) -> str:
    """What a node is, without its name or inputs."""
    parts = [type(node).__name__]
    if isinstance(node, rasp.SOp):
        parts.append(rasp.get_encoding(node).name)
    if isinstance(node, rasp.LinearSequenceMap):
        parts.append(f"{node.fst_fac!r},{node.snd_fac!r}")
    elif isinstance(node, rasp.Map | rasp.SequenceMap):
        parts.append(_function_key(node.f))
    elif isinstance(node, rasp.Select):
        parts.append(repr(node.predicate))
    elif isinstance(node, rasp.Aggregate):
        parts.append(f"{type(node.default).__name__}:{node.default!r}")
    elif isinstance(node, rasp.Full):
        parts.append(f"{type(node.fill).__name__}:{node.fill!r}")
    return "/".join(parts)


def program_hash(program: rasp.RASPExpr) -> str:
    """A hex digest of the program's structure (names ignored)."""
    digests: dict[int, str] = {}
    for node in rasp.topological_sort(program):
        children = ",".join(digests[c.unique_id] for c in node.children)
        text = f"{_own_key(node)}({children})"
        digests[node.unique_id] = hashlib.sha256(text.encode()).hexdigest()
    return digests[program.unique_id]


def short_digest(digest: str) -> int:
    """The first 64 bits of a hex digest (collisions: about one in 10**19 per pair)."""
    return int(digest[:16], 16)


class DigestSet:
    """A set of 64-bit ints at about 8 bytes each: recent ones in a Python set (about 70
    bytes each), merged every ``batch`` additions into one sorted numpy array."""

    def __init__(self, batch: int = 1 << 16):
        self._sorted = np.empty(0, np.uint64)
        self._recent: set[int] = set()
        self._batch = batch

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def __contains__(self, key: int) -> bool:
        if key in self._recent:
            return True
        value = np.uint64(key)
        at = int(np.searchsorted(self._sorted, value))
        return at < len(self._sorted) and self._sorted[at] == value

    def add(self, key: int) -> None:
        if key in self:
            return
        self._recent.add(key)
        if len(self._recent) >= self._batch:
            recent = np.fromiter(self._recent, np.uint64, len(self._recent))
            self._sorted = np.union1d(self._sorted, recent)
            self._recent = set()

    @property
    def nbytes(self) -> int:
        """Memory held, roughly: 8 bytes per merged digest, 70 per recent one."""
        return self._sorted.nbytes + 70 * len(self._recent)
