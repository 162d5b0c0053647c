"""Datasets: a hash of a program's structure, blind to names, that spots duplicates.

Two programs hash alike when they are the same expression graph up to naming: the same
operations with the same functions (catalogue name and constants; a fused chain of Maps is
its list of steps), predicates, defaults, encodings and inputs.
"""

from __future__ import annotations

import hashlib
from typing import Any

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
