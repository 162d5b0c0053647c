"""Part of validation: equal values of different types, and values equal to nothing (NaN).

A categorical SOp has one direction per value, and ``1``, ``1.0`` and ``True`` (or ``0.0`` and
``-0.0``) are one value to a Python set. Basis inference keeps one representative per class
and lists the others as ``twins`` (``nodes.canonical``); the model cannot tell a twin from its
representative, so this module refuses every place that could: a Map or SequenceMap whose
function gives a different (or differently typed) result on a twin, a Select whose own
predicate (not a ``Comparison``, which compares by value) reads a twin, and a categorical
program output that can be either (it would decode as the representative). NaN equals
nothing, so no direction can hold it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from tracr.compiler.nodes import CATEGORICAL, ExprNode, typed_key
from tracr.rasp import rasp

FIX = "make the values one type (e.g. wrap them with int(...), float(...) or str(...))"


def _typed_outcome(f, *args) -> tuple:
    try:
        value = f(*args)
    except Exception as exc:  # noqa: BLE001 - any user error
        return ("raises", type(exc).__name__)
    try:
        return ("gives", typed_key(value))
    except TypeError:
        return ("gives", repr(value))


def _pair(info, twin) -> tuple:
    """(the representative that shares ``twin``'s direction, twin)."""
    rep = {v: v for v in info.values}.get(twin, twin)
    return rep, twin


def _shown(rep, twin) -> str:
    return f"{rep!r} ({type(rep).__name__}) from {twin!r} ({type(twin).__name__})"


def check_node(checker: Any, node: ExprNode) -> None:
    info = checker.info(node.label)
    if info is not None and info.values is not None:
        nan = next((v for v in info.values if isinstance(v, float) and math.isnan(v)), None)
        if nan is not None:
            checker.add(node, f"it can be {nan!r}, which equals nothing, so no direction can "
                        "hold it", "return a number or None instead of NaN")
    if node.kind == "map":
        _check_function(checker, node, 1)
    elif node.kind in ("sequence_map", "linear_sequence_map"):
        _check_function(checker, node, 2)
    elif node.kind == "select":
        _check_select(checker, node)


def _check_function(checker: Any, node: ExprNode, arity: int) -> None:
    infos = [checker.info(c) for c in node.children[:arity]]
    if any(i is None or i.values is None for i in infos) or not any(i.twins for i in infos):
        return
    options = [[(v, v) for v in i.values] + [_pair(i, t) for t in i.twins] for i in infos]
    if arity == 2 and node.children[0] == node.children[1]:
        combos = [(o, o) for o in options[0]]
    else:
        combos = itertools.product(*options)
    for combo in combos:
        reps = [c[0] for c in combo]
        actual = [c[1] for c in combo]
        if reps == actual and all(typed_key(r) == typed_key(a) for r, a in combo):
            continue
        if _typed_outcome(node.f, *reps) != _typed_outcome(node.f, *actual):
            shown = "; ".join(_shown(r, a) for r, a in combo if typed_key(r) != typed_key(a))
            checker.add(node, f"its function tells {shown} apart, but its input holds both "
                        "in one direction", FIX + " upstream")
            return


def _check_select(checker: Any, node: ExprNode) -> None:
    p = node.params
    if p.get("composite"):
        preds = p["leaf_raw_preds"]
        reads = {s: pred for leaf, pred in preds.items() for s in p["leaf_reads"][leaf]}
    else:
        reads = {c: p["predicate"] for c in node.children}
    for sop, pred in reads.items():
        info = checker.info(sop)
        if isinstance(pred, rasp.Comparison) or info is None or not info.twins:
            continue
        rep, twin = _pair(info, min(info.twins, key=repr))
        checker.add(node, f"its predicate may tell {_shown(rep, twin)} apart, but {sop!r} "
                    "holds both in one direction", FIX + f" in {sop!r}, or compare with a "
                    "rasp.Comparison")
        return


def check_output(checker: Any, node: ExprNode) -> None:
    info = checker.info(node.label)
    if node.encoding != CATEGORICAL or info is None or not info.twins:
        return
    rep, twin = _pair(info, min(info.twins, key=repr))
    checker.add(node, f"the program's output can be {_shown(rep, twin)}, which share one "
                "direction and would both decode as the first", FIX)
