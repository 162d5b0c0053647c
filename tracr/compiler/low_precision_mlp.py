"""Part of ``low_precision``: the error bounds of MLPs in a narrower number format.

``MLPBounds`` is mixed into ``low_precision._Analysis``, which holds the state (magnitudes,
errors by direction, the memo shared between formats); see that module's docstring for the
maths. Two kinds of MLP:

* **Discretising** (one numerical input: a numerical Map, SelectorWidth's scratch): every
  known input value sits at least 1/2 (in pre-activation) from each ReLU's kink, so a unit is
  on the right side while the input's error plus the rounding near the kink stay below 1/4;
  the output then carries only the active units' rounding, bounded over the input's range.
* **Lipschitz** (tables, ``a x + b y``, the affine square): ReLU is 1-Lipschitz, so the
  output is off by ``sum_j |W2| (E_j + r_j)``; a unit whose exact pre-activation stays below
  ``-(E_j + r_j)`` for the one-hot value active is exactly 0 and passes nothing on, and a
  unit computed from exact integers (error-free one-hots, integer weights, sums below 2^p)
  adds no rounding.
"""

from __future__ import annotations

import functools

import numpy as np

from tracr.compiler.graph_to_craft import ONE
from tracr.compiler.nodes import NUMERICAL
from tracr.craft.bases import BasisDirection
from tracr.craft.transformers import MLP

SCRATCH = "__width_scratch"
CAP = 1e30  # error bounds beyond any tolerance are kept finite at this


@functools.lru_cache(maxsize=4096)
def group_plan(names: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """The order that brings equal names together, and where each run of them starts."""
    order = sorted(range(len(names)), key=lambda i: names[i])
    sorted_names = [names[i] for i in order]
    starts = [i for i, n in enumerate(sorted_names) if i == 0 or n != sorted_names[i - 1]]
    return order, starts


def group_reduce(abs_terms: np.ndarray, names: list[str] | tuple[str, ...], axis: int,
               reduce: np.ufunc = np.maximum) -> np.ndarray:
    """Reduce ``abs_terms`` along ``axis`` to one row per direction name, keeping the max
    (one direction of a one-hot holds its value: the others are 0), or with ``np.add``, the
    sum (every direction carries its own error)."""
    if not names:
        shape = list(abs_terms.shape)
        shape[axis] = 0
        return np.zeros(shape)
    order, starts = group_plan(tuple(names))
    return reduce.reduceat(np.take(abs_terms, order, axis=axis), starts, axis=axis)


def _pairs(w2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W2's non-zero entries as (unit, output) index arrays sorted by output, where each
    output's run starts, and which output each run is."""
    unit, col = np.nonzero(w2)
    order = np.argsort(col, kind="stable")
    unit, col = unit[order], col[order]
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]]) if col.size else col
    return unit, col, starts, col[starts]


class MLPBounds:
    """The MLP half of the analysis (see the module docstring)."""

    def _mlp(self, node, mlp: MLP) -> None:
        x = self._step_input(node, mlp)
        if x is None:
            out_err = self._lipschitz(node, mlp)
        else:
            out_err = self._steps(node, mlp, x)
        self._write(mlp.snd.output_space.basis, out_err, add=True)

    def _step_input(self, node, mlp: MLP) -> BasisDirection | None:
        """The one numerical direction a discretising MLP reads, or None for other MLPs."""
        dirs = [d for d in mlp.fst.input_space.basis if d not in (ONE, self.s.bos)]
        if len(dirs) != 1 or dirs[0].value is not None:
            return None
        if dirs[0].name.endswith(SCRATCH):
            return dirs[0]
        if node.kind in ("map", "sequence_map") and not dirs[0].name.endswith("__squared"):
            child = self.g.graph.nodes.get(dirs[0].name)
            if child is not None and child.encoding == NUMERICAL:
                return dirs[0]
        return None

    def _lipschitz(self, node, mlp: MLP) -> np.ndarray:
        st = self.cached(("lipschitz", id(mlp)), lambda: self._lipschitz_structure(node, mlp))
        self.note_size(st["size"], f"the MLP of {node.describe()}")
        _, errs, _ = self._arrays(mlp.fst.input_space.basis, 0.0)
        in_err = errs @ st["w1"]  # every input direction carries its own error
        pre, w2 = st["pre"], st["w2"]
        ok = st["integer_inputs"] & (errs == 0)
        exact = np.all(st["w1_zero"] | (ok[:, None] & st["w1_integer"]), axis=0) & (
            pre <= self.fmt.largest_exact_integer)
        slack = in_err + np.where(exact, 0.0, (st["k"] + 2) * self.u * pre)
        # Integer hidden values times integer weights, summed below 2^p: exact.
        integral = np.all(st["w2_zero"] | (exact[:, None] & st["w2_integer"]), axis=0) & (
            st["w2_pre"] <= self.fmt.largest_exact_integer)

        # W2's non-zero entries as (unit, output) pairs sorted by output: sums over units
        # per output are segment sums over these pairs (W2 is mostly zeros).
        unit, col, starts, cols = st["pairs"]
        through_w, pre_w = st["w2_values"] * slack[unit], st["w2_values"] * pre[unit]
        n_out = w2.shape[1]

        def per_output(values: np.ndarray) -> np.ndarray:  # [choices, pairs] -> [choices, out]
            out = np.zeros((values.shape[0], n_out))
            if starts.size:
                out[:, cols] = np.add.reduceat(values, starts, axis=1)
            return out

        def bound(units: np.ndarray) -> np.ndarray:  # units: [choices, hidden] (0/1)
            on = units[:, unit]  # [choices, pairs]
            m = per_output(on)
            rounding = (m + 2) * self.u * per_output(on * pre_w)
            rounding[:, integral] = 0.0
            return (per_output(on * through_w) + rounding).max(axis=0, initial=0.0)

        out = bound(np.ones((1, len(pre))))
        for reach in st["reach"]:  # [choices, hidden]: the exact pre-activation's maximum
            out = np.minimum(out, bound((reach > -slack[None, :]).astype(float)))
        return out

    def _lipschitz_structure(self, node, mlp: MLP) -> dict:
        """What ``_lipschitz`` needs that does not depend on the format."""
        basis = mlp.fst.input_space.basis
        w1s = mlp.fst.matrix
        w1 = np.abs(w1s)  # [in, hidden]
        mags, _, names = self._arrays(basis, 0.0)
        terms = group_reduce(mags[:, None] * w1, names, 0)  # [groups, hidden]
        pre = terms.sum(axis=0)
        bos_mags, _, _ = self._arrays(basis, 1.0)
        w2 = np.abs(mlp.snd.matrix)  # [hidden, out]
        pairs = _pairs(w2)
        return {
            "w1": w1, "pre": pre, "k": np.count_nonzero(terms, axis=0), "w2": w2,
            "size": float((bos_mags[:, None] * w1).sum(axis=0).max(initial=0.0)),
            "integer_inputs": np.array([self._integer_valued(d) for d in basis], dtype=bool),
            "w1_zero": w1s == 0, "w1_integer": w1s == np.round(w1s),
            "w2_zero": w2 == 0, "w2_integer": w2 == np.round(w2), "w2_pre": w2.T @ pre,
            "pairs": pairs, "w2_values": w2[pairs[0], pairs[1]],
            "reach": list(self._reach(mlp)),
        }

    def _integer_valued(self, d: BasisDirection) -> bool:
        if d in (ONE, self.s.bos) or d.value is not None:
            return True  # 0 or 1
        label = d.name.removesuffix("__squared")

        def scan() -> bool:
            info = self.g.info.get(label)
            values = None if info is None else info.values
            return values is not None and all(
                isinstance(v, int | float) and float(v).is_integer() for v in values)

        return self.cached(("integers", label), scan)

    def _reach(self, mlp: MLP):
        """Per one-hot group read, [choices, hidden]: the largest exact pre-activation of each
        unit when that choice (a value, or None) is active. A unit whose reach is below
        ``-slack`` is exactly 0 (ReLU) whatever the errors, so it passes no error on; only one
        choice is active at a time, so the units of different choices do not add."""
        basis = mlp.fst.input_space.basis
        w1 = mlp.fst.matrix
        fixed = [i for i, d in enumerate(basis) if d in (ONE, self.s.bos)]
        bias = w1[[i for i in fixed if basis[i] == ONE]].sum(axis=0)
        groups: dict[str, list[int]] = {}
        for i, d in enumerate(basis):
            if i not in fixed:
                groups.setdefault(d.name, []).append(i)
        ups = {}
        for name, rows in groups.items():
            sub = w1[rows] * np.array([self.magnitude(basis[i]) for i in rows])[:, None]
            one_hot = basis[rows[0]].value is not None
            ups[name] = (np.maximum(sub.max(axis=0, initial=0.0), 0.0) if one_hot
                         else np.abs(sub).sum(axis=0))
        total = bias + sum(ups.values(), np.zeros(w1.shape[1]))
        for name, rows in groups.items():
            if basis[rows[0]].value is None or len(rows) < 2:
                continue
            rest = total - ups[name]
            choices = np.vstack([w1[rows], np.zeros((1, w1.shape[1]))])  # each value, None
            yield choices + rest[None, :]

    def _steps(self, node, mlp: MLP, x: BasisDirection) -> np.ndarray:
        st = self.cached(("steps", id(mlp)), lambda: self._step_structure(mlp, x))
        self.note_size(st["size"], f"the MLP of {node.describe()}")
        w, b = st["w"], st["b"]
        e_abs, e_rel = self.error(x), self.rel.get(x, 0.0)
        wobble = np.where(w != 0, np.abs(w) * (e_abs + e_rel * st["kink"]) + e_rel, 0.0)
        miss = wobble + 4 * self.u * st["near"]
        at_bos = 4 * self.u * st["at_bos"]
        bad = np.flatnonzero(~((miss < 0.25) & (at_bos < 0.25)))
        if bad.size:
            j = int(bad[0])
            t = -b[j] / w[j] if w[j] else float("nan")
            self.add(node, (
                f"a step of its MLP at {t:.6g} on {x.name!r} (slope {abs(w[j]):.3g}) is off "
                f"by up to {max(miss[j], at_bos[j]):.3g} from rounding and the input's error "
                f"({e_abs + e_rel * abs(t):.3g}), not below the 0.25 it tolerates"))
        # An active unit's pre-activation (two terms and the weights' own rounding) is off
        # by 4u of its terms' size; the sum of m outputs by (m + 1) u of their heights.
        return 4 * self.u * st["w2_active"] + (st["m"] + 1) * self.u * st["w2_height"]

    def _step_structure(self, mlp: MLP, x: BasisDirection) -> dict:
        """What ``_steps`` needs that does not depend on the format."""
        basis = mlp.fst.input_space.basis
        rows = {d: mlp.fst.matrix[i] for i, d in enumerate(basis)}
        zero = np.zeros(mlp.fst.matrix.shape[1])
        w, b, gate = rows[x], rows.get(ONE, zero), rows.get(self.s.bos, zero)
        lo, hi = self._range(x)
        active = self._active_size(w, b, lo, hi)  # |w x| + |b| where the unit may be on
        height = self._active_size(w, b, lo, hi, height=True)  # its output there
        kink = np.where(w != 0, np.abs(b / np.where(w != 0, w, 1.0)), 0.0)
        w2 = np.abs(mlp.snd.matrix)
        return {
            "w": w, "b": b, "kink": kink, "near": np.abs(w) * kink + np.abs(b) + 1.0,
            "at_bos": np.abs(w) * max(abs(lo), 1.0) + np.abs(b) + np.abs(gate),
            "size": float((np.abs(w) * max(abs(hi), 1.0) + np.abs(b) + np.abs(gate)
                           ).max(initial=0.0)),
            "w2_active": w2.T @ active, "w2_height": w2.T @ height,
            "m": np.count_nonzero(w2 * (active > 0)[:, None], axis=0),
        }

    @staticmethod
    def _active_size(w: np.ndarray, b: np.ndarray, lo: float, hi: float,
                     height: bool = False) -> np.ndarray:
        """Per unit, the largest ``|w x| + |b|`` (or, with ``height``, ``w x + b + 1/2``)
        over inputs in [lo, hi] where it may be on (pre-activation above -1/2, its margin):
        the largest is at an end of the range or where it turns on."""
        size = np.zeros_like(w)
        safe_w = np.where(w != 0, w, 1.0)
        turn = np.clip((-0.5 - b) / safe_w, lo, hi)
        for x in (lo, hi, turn):
            on = w * x + b > -0.5 - 1e-9 * (np.abs(w * x) + np.abs(b))
            value = w * x + b + 0.5 if height else np.abs(w * x) + np.abs(b)
            size = np.maximum(size, np.where(on, value, 0.0))
        return size

    def _range(self, x: BasisDirection) -> tuple[float, float]:
        if x.name.endswith(SCRATCH):
            return 1.0 / (self.n + 1), 1.0
        return self._value_range(x.name)

    def _value_range(self, label: str) -> tuple[float, float]:
        """The smallest and largest number a SOp takes ((0, 0) for none; unbounded where
        the value set is not listed)."""
        def scan() -> tuple[float, float]:
            known = self.g.info[label].values
            if known is None:
                return -CAP, CAP
            numbers = np.fromiter((v for v in known if isinstance(v, int | float)), float)
            return (float(numbers.min()), float(numbers.max())) if numbers.size else (0.0, 0.0)

        return self.cached(("range", label), scan)
