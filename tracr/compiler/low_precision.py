"""After assembly: where the built model stays exact in float32, bfloat16 and float16.

``precision.py`` proves the model exact in float64 (or refuses it). The backends can run the
same weights in narrower formats; this module bounds, block by block, what float arithmetic
with unit roundoff ``u`` (``NumberFormat.unit``) can do to every residual direction, and lists
for each format the expressions it can make wrong. The bounds are worst-case (no rounding is
assumed to cancel), so "exact" is a proof; a listed problem may still not show on a given
input.

State: for every residual direction ``d``, ``mag[d]`` bounds the exact value's magnitude at
non-BOS positions (1 for one-hots) and ``err[d]`` the float error on it. A dot product of
``k`` non-zero terms (zero terms add nothing) is off by at most ``(k + 2) u`` times the sum of
the terms' magnitudes (``k`` roundings, and the weights' own representation). A categorical
direction holds one one-hot of its SOp, so a group of directions with one name contributes
its largest term, not the sum.

* **Heads.** The score is off by ``delta = (k + 6) u T + (input errors x weights)``, where
  ``T`` sums the largest term per pair of groups (the numerical-EQ head's ``c(2kq - k^2)``
  reaches ``c (|k| + |q|)^2``). The softmax weights are then off by a factor up to
  ``e^(2 delta)``, the leak grows to ``LEAK_BOUND e^(2 delta)``, and exp/sum/divide over
  ``n + 1`` keys add ``(n + 6) u``. The value written is a weighted sum of per-key values,
  so each output direction is off by ``max_i |W_ov| (err_i + mag_i eta)``. SelectorWidth's
  share ``1/(w+1)`` is off relatively by ``eta``.
* **MLPs** are 1-Lipschitz through ReLU: output error ``sum_j |W2| (E_j + r_j)`` with
  ``E_j`` the input error times the weights and ``r_j`` the pre-activation's rounding.
* **Discretising MLPs** (a numerical Map, SelectorWidth) absorb their input's error: every
  known value is at least 1/2 (in pre-activation) from each ReLU's kink, so a unit is on
  the right side while input error plus rounding near the kink stay below 1/4 (checked per
  unit, and at the BOS position against the gate). Their output carries only the rounding
  of the active units, whose size is bounded over the input's range.
* **Outputs.** A categorical output decodes while its one-hot is off by less than 1/2
  (``NONE_THRESHOLD``); a numerical one must meet ``ATOL + RTOL |value|``.
* **Range.** Every weight, score and pre-activation must stay below the format's largest
  finite value (float16: 65504).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from tracr.compiler.graph_to_craft import ONE, CraftSettings, NodeBlocks
from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph
from tracr.craft.bases import BasisDirection
from tracr.craft.chamber.attention import LEAK_BOUND
from tracr.craft.transformers import MLP, AttentionHead
from tracr.model import CompiledModel
from tracr.model.encoders import NONE_THRESHOLD
from tracr.model.number_formats import CHECKED_FORMATS, NumberFormat, PrecisionRecord
from tracr.model.precision import ATOL, RTOL

SCRATCH = "__width_scratch"
CAP = 1e30  # error bounds beyond any tolerance are kept finite at this
MAX_PROBLEMS = 5  # per format: the first few name what to fix; the rest are counted


@functools.lru_cache(maxsize=4096)
def _group_plan(names: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """The order that brings equal names together, and where each run of them starts."""
    order = sorted(range(len(names)), key=lambda i: names[i])
    sorted_names = [names[i] for i in order]
    starts = [i for i, n in enumerate(sorted_names) if i == 0 or n != sorted_names[i - 1]]
    return order, starts


def _group_max(abs_terms: np.ndarray, names: list[str] | tuple[str, ...], axis: int,
               reduce: np.ufunc = np.maximum) -> np.ndarray:
    """Reduce ``abs_terms`` along ``axis`` to one row per direction name, keeping the max
    (one direction of a one-hot holds its value: the others are 0), or with ``np.add``, the
    sum (every direction carries its own error)."""
    if not names:
        shape = list(abs_terms.shape)
        shape[axis] = 0
        return np.zeros(shape)
    order, starts = _group_plan(tuple(names))
    return reduce.reduceat(np.take(abs_terms, order, axis=axis), starts, axis=axis)


class _Analysis:
    def __init__(self, agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks],
                 settings: CraftSettings, model: CompiledModel, fmt: NumberFormat,
                 memo: dict | None = None):
        self.g, self.blocks, self.s, self.model, self.fmt = agraph, blocks, settings, model, fmt
        self.u = fmt.unit
        self.n = agraph.max_seq_len
        # What does not depend on the format (magnitudes, the blocks' structure) is computed
        # once and shared by the analyses of every format.
        self.memo = {} if memo is None else memo
        self.mag: dict[BasisDirection, float] = self.memo.setdefault("mag", {})
        # Errors per direction, in an array indexed by a direction id shared across formats
        # (hashing directions is the analysis's main cost otherwise).
        self.ids: dict[BasisDirection, int] = self.memo.setdefault("ids", {})
        self.err_arr = np.zeros(max(64, 2 * len(self.ids)))
        self.written = np.zeros(len(self.err_arr), dtype=bool)
        self.rel: dict[BasisDirection, float] = {}  # SelectorWidth's scratch: relative error
        self.scale: dict[str, float] = self.memo.setdefault("scale", {})  # per SOp label
        self.problems: list[str] = []
        self.largest = (0.0, "")  # the largest activation bound, and where

    # --- directions ---------------------------------------------------------------------

    def _label_magnitude(self, label: str) -> float:
        """The largest |value| of a SOp held as a number (numerical, or an economical
        affine query); 1.0 for anything else. Where the value set was too large to list,
        the bound follows from the inputs (a mean stays within its input's, ``a x + b y``
        within ``|a| X + |b| Y``), else it is taken as unbounded (``CAP``)."""
        if label not in self.g.info:
            return 1.0
        if label in self.scale:
            return self.scale[label]
        values = self.g.info[label].values
        node = self.g.graph[label]
        if values is not None:
            lo, hi = self._value_range(label)
            size = max(abs(lo), abs(hi))
        elif node.kind == "aggregate":
            size = self._label_magnitude(node.children[1])
        elif node.kind == "linear_sequence_map":
            a, b = (abs(float(node.params[k])) for k in ("fst_fac", "snd_fac"))
            x, y = (self._label_magnitude(c) for c in node.children)
            size = a * x + b * y
        else:
            size = CAP
        self.scale[label] = min(size, CAP)
        return self.scale[label]

    def magnitude(self, d: BasisDirection) -> float:
        if d not in self.mag:
            if d.name.endswith("__squared"):
                self.mag[d] = self._label_magnitude(d.name[: -len("__squared")]) ** 2
            else:
                self.mag[d] = self._label_magnitude(d.name) if d.value is None else 1.0
        return self.mag[d]

    def _id(self, d: BasisDirection) -> int:
        i = self.ids.setdefault(d, len(self.ids))
        if i >= len(self.err_arr):
            grow = len(self.err_arr)
            self.err_arr = np.concatenate([self.err_arr, np.zeros(grow)])
            self.written = np.concatenate([self.written, np.zeros(grow, dtype=bool)])
        return i

    def _index(self, dirs) -> np.ndarray:
        return self.cached(("index", id(dirs)),
                           lambda: np.array([self._id(d) for d in dirs], dtype=np.int64))

    def error(self, d: BasisDirection) -> float:
        i = self._id(d)  # first: it may grow the array
        return float(self.err_arr[i])

    def cached(self, key: tuple, make):
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def _arrays(self, dirs, bos_mag: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(magnitudes, errors, names) of ``dirs``; BOS's magnitude is ``bos_mag``."""
        mags, names = self.cached(("arrays", id(dirs), bos_mag), lambda: (
            np.array([bos_mag if d == self.s.bos else self.magnitude(d) for d in dirs]),
            tuple(d.name for d in dirs)))
        index = self._index(dirs)
        if len(index) and index.max() >= len(self.err_arr):
            self._id(dirs[int(np.argmax(index))])  # grows the arrays
        return mags, self.err_arr[index], names

    def set_error(self, d: BasisDirection, value: float) -> None:
        # Capped so that no bound overflows to inf (0 * inf would read as exact).
        i = self._id(d)
        self.err_arr[i] = value if value < CAP else CAP
        self.written[i] = True

    def note_size(self, size: float, where: str) -> None:
        if size > self.largest[0]:
            self.largest = (size, where)

    # --- the walk -------------------------------------------------------------------------

    def run(self) -> list[str]:
        for label in self.g.graph.order:
            block = self.blocks.get(label)
            if block is None:
                continue
            node = self.g.graph[label]
            if block.embed is not None:
                self._embedded(block)
            if block.head is not None:
                self._head(node, block.head)
            if block.mlp is not None:
                self._mlp(node, block.mlp)
        self._check_output()
        self._check_range()
        return self.problems

    def _embedded(self, block: NodeBlocks) -> None:
        """The embeddings write one-hots exactly and numbers rounded to the format."""
        for d in block.space.basis:
            if d.value is None:  # a number: its largest rounding over the values it takes
                known = self.g.info[d.name].values
                values = np.fromiter((v for v in known or () if isinstance(v, int | float)),
                                     float)
                worst = np.abs(values - self.fmt.round_array(values)).max(initial=0.0)
                self.set_error(d, CAP if known is None else float(worst))

    def add(self, node, reason: str) -> None:
        self.problems.append(f"{node.describe()}: in {self.fmt.name}, {reason}")

    # --- heads ------------------------------------------------------------------------------

    def _score_error(self, head: AttentionHead) -> tuple[float, float, float]:
        """(delta, spread, T): bounds on each score's float error, on how far the errors of
        two keys that should tie (the selected keys; BOS too for SelectorWidth) can differ,
        and on the sum of the score's terms' sizes."""
        form = head.w_qk
        w = self.cached(("abs", id(form)), lambda: np.abs(form.matrix))
        ml, el, nl = self._arrays(form.left_space.basis, 1.0)
        mr, er, nr = self._arrays(form.right_space.basis, 1.0)
        terms = self.cached(("terms", id(form)), lambda: _group_max(
            _group_max(ml[:, None] * w * mr[None, :], nl, 0), nr, 1))
        if not el.any() and not er.any():
            errs = np.zeros(1)
        else:
            errs = self._input_score_errors(w, ml, el, nl, mr, er, nr)
        k = int(np.count_nonzero(terms))
        total = float(terms.sum())
        delta = (k + 6) * self.u * total + float(errs.sum())
        return delta, (0.0 if self._ties_exactly(head) else 2 * delta), total

    @staticmethod
    def _input_score_errors(w, ml, el, nl, mr, er, nr) -> np.ndarray:
        """Per pair of groups, the score error the inputs' errors cause."""
        # Input errors sit on every direction of a one-hot, the exact value on one: per pair
        # of groups, sum the errors over one side at the other side's worst direction.
        add = np.add
        left_err = _group_max(_group_max(el[:, None] * w * mr[None, :], nl, 0, add), nr, 1)
        right_err = _group_max(_group_max(ml[:, None] * w * er[None, :], nr, 1, add), nl, 0)
        both = _group_max(_group_max(el[:, None] * w * er[None, :], nl, 0, add), nr, 1, add)
        return left_err + right_err + both

    def _ties_exactly(self, head: AttentionHead) -> bool:
        """Whether keys that should tie get bit-identical scores.

        True when both sides read one exactly-computed one-hot each (no error), and for a
        non-BOS query and key the score is a single product: ``one`` pairs with no value
        and the value block's non-zero entries all equal one number ``v``. Every selected
        key's score is then the same float operations on the same numbers (the other terms
        are exact zeros), whatever the factorisation into W_Q and W_K. For SelectorWidth,
        BOS's score must also be the single entry ``v`` (``one`` x BOS).
        """
        form = head.w_qk
        left, right = form.left_space.basis, form.right_space.basis
        if not self.cached(("ties", id(head)), lambda: self._single_product(head)):
            return False
        return not (self._arrays(left, 1.0)[1].any() or self._arrays(right, 1.0)[1].any())

    def _single_product(self, head: AttentionHead) -> bool:
        """The structural half of ``_ties_exactly`` (no errors involved)."""
        form, special = head.w_qk, (ONE, self.s.bos)
        left, right, m = form.left_space.basis, form.right_space.basis, form.matrix
        rows = [i for i, d in enumerate(left) if d not in special]
        cols = [j for j, d in enumerate(right) if d not in special]
        if not rows or not cols:
            return False
        if len({left[i].name for i in rows}) != 1 or len({right[j].name for j in cols}) != 1:
            return False
        if left[rows[0]].value is None or right[cols[0]].value is None:
            return False
        one_l = left.index(ONE) if ONE in left else None
        one_r = right.index(ONE) if ONE in right else None
        if one_l is not None and (np.any(m[one_l, cols]) or (
                one_r is not None and m[one_l, one_r])):
            return False
        if one_r is not None and np.any(m[rows, one_r]):
            return False
        block = m[np.ix_(rows, cols)]
        values = set(block[block != 0].tolist())
        if len(values) > 1:
            return False
        if head.w_ov.output_space.basis and head.w_ov.output_space.basis[0].name.endswith(
                SCRATCH):
            bos_r = right.index(self.s.bos) if self.s.bos in right else None
            if bos_r is None or one_l is None or np.any(m[rows, bos_r]):
                return False
            return values == {float(m[one_l, bos_r])}
        return True

    def _head(self, node, head: AttentionHead) -> None:
        delta, spread, total = self._score_error(head)
        key_size = self.model.model_config.key_size
        self.note_size(total * math.sqrt(key_size), f"the scores of {node.describe()}")
        grow = math.exp(min(2 * delta, 60.0))
        softmax = (self.n + 6) * self.u  # exp, a sum over n + 1 keys, a division
        # A categorical Aggregate copies one value from every selected key, so only the leak
        # to other keys matters; a mean and SelectorWidth's share also need equal weights:
        # with the tied keys' scores within ``spread``, each weight is within e^spread.
        copy = node.kind == "aggregate" and node.encoding != NUMERICAL
        eta = 2 * LEAK_BOUND * grow + softmax
        if not copy:
            eta += math.exp(min(spread, 60.0)) - 1
        ov = head.w_ov
        w = np.abs(ov.matrix)  # [in, out]
        mags, errs, _ = self._arrays(ov.input_space.basis, 1.0)
        # Each key's value carries its directions' errors (all of them), and passes W_V and
        # W_O (a few roundings), then n + 1 keys are summed.
        per_out = errs @ w + (w * (mags * (eta + (self.n + 10) * self.u))[:, None]).max(
            axis=0, initial=0.0)
        outs = ov.output_space.basis
        if outs and outs[0].name.endswith(SCRATCH):  # SelectorWidth's share: relative error
            self.rel[outs[0]], self.mag[outs[0]] = eta + (self.n + 10) * self.u, 1.0
            per_out = np.zeros(len(outs))
        self._write(outs, per_out, add=False)

    def _write(self, dirs, errors: np.ndarray, add: bool) -> None:
        """Set (or, with ``add``, add to) the errors of ``dirs``; a second write to a
        direction (a default's cleanup adds to what its head wrote) rounds the sum."""
        index = self._index(dirs)
        if len(index) and index.max() >= len(self.err_arr):
            self._id(dirs[int(np.argmax(index))])  # grows the arrays
        if add:
            mags = self.cached(("mags", id(dirs)), lambda: np.array(
                [self.magnitude(d) for d in dirs]))
            errors = self.err_arr[index] + errors + np.where(
                self.written[index], self.u * mags, 0.0)
        self.err_arr[index] = np.where(errors < CAP, errors, CAP)  # nan and inf: CAP
        self.written[index] = True

    # --- MLPs -------------------------------------------------------------------------------

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

        def bound(units: np.ndarray) -> np.ndarray:  # units: [choices, hidden] (0/1)
            through = units @ (w2 * slack[:, None])  # [choices, out]
            m = units @ st["w2_on"]
            rounding = np.where(integral, 0.0, (m + 2) * self.u * (units @ st["w2_times_pre"]))
            return (through + rounding).max(axis=0, initial=0.0)

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
        terms = _group_max(mags[:, None] * w1, names, 0)  # [groups, hidden]
        pre = terms.sum(axis=0)
        bos_mags, _, _ = self._arrays(basis, 1.0)
        w2 = np.abs(mlp.snd.matrix)  # [hidden, out]
        return {
            "w1": w1, "pre": pre, "k": np.count_nonzero(terms, axis=0), "w2": w2,
            "size": float((bos_mags[:, None] * w1).sum(axis=0).max(initial=0.0)),
            "integer_inputs": np.array([self._integer_valued(d) for d in basis], dtype=bool),
            "w1_zero": w1s == 0, "w1_integer": w1s == np.round(w1s),
            "w2_zero": w2 == 0, "w2_integer": w2 == np.round(w2), "w2_pre": w2.T @ pre,
            "w2_on": (w2 > 0).astype(float), "w2_times_pre": w2 * pre[:, None],
            "reach": list(self._reach(mlp)),
        }

    def _integer_valued(self, d: BasisDirection) -> bool:
        if d in (ONE, self.s.bos) or d.value is not None:
            return True  # 0 or 1
        label = d.name.removesuffix("__squared")
        info = self.g.info.get(label)
        values = None if info is None else info.values
        return values is not None and all(
            isinstance(v, int | float) and float(v).is_integer() for v in values)

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

    # --- outputs and range ------------------------------------------------------------------

    def _check_output(self) -> None:
        label = self.g.graph.output
        node = self.g.graph[label]
        block = self.blocks[label]
        worst = max((self.error(d) for d in block.space.basis), default=0.0)
        if node.encoding == NUMERICAL:
            values = self.g.info[label].values or ()
            nearest = min((abs(float(v)) for v in values if isinstance(v, int | float)),
                          default=0.0)
            if not worst <= ATOL + RTOL * nearest:
                self.add(node, (
                    f"the output (magnitudes up to {self.magnitude(block.space.basis[0]):.3g})"
                    f" is computed only to within {worst:.3g}, more than the {ATOL:g} + "
                    f"{RTOL:g} * |value| the model promises (at the value {nearest:.3g})"))
        elif not worst < NONE_THRESHOLD:
            self.add(node, f"its one-hot output may be off by {worst:.3g}, so it may not "
                           f"decode (the threshold is {NONE_THRESHOLD})")

    def _largest_weight(self) -> tuple[float, str]:
        weight, where = 0.0, ""
        for name, group in self.model.params.items():
            for key, array in group.items():
                big = float(np.abs(array).max(initial=0.0))
                if big > weight:
                    weight, where = big, f"{name}/{key}"
        return weight, where

    def _check_range(self) -> None:
        weight, where = self.cached(("weights",), self._largest_weight)
        out = self.g.graph[self.g.graph.output]
        limit = self.fmt.max / 2
        if weight > limit:
            self.add(out, f"the weight {where} reaches {weight:.3g}, beyond half of its "
                          f"largest finite value {self.fmt.max:.5g}")
        size, place = self.largest
        if size > limit:
            self.add(out, f"{place} reach {size:.3g}, beyond half of its largest finite "
                          f"value {self.fmt.max:.5g}")


def format_problems(agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks],
                    settings: CraftSettings, model: CompiledModel, fmt: NumberFormat,
                    memo: dict | None = None) -> tuple[str, ...]:
    """The problems that can make ``model`` wrong in ``fmt`` (empty: exact in ``fmt``);
    ``memo`` shares the format-independent work between formats."""
    with np.errstate(all="ignore"):  # inf and nan bounds are problems, not warnings
        problems = _Analysis(agraph, blocks, settings, model, fmt, memo).run()
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], f"... and {more} more"]
    return tuple(problems)


def precision_record(agraph: AnnotatedGraph, blocks: dict[str, NodeBlocks],
                     settings: CraftSettings, model: CompiledModel) -> PrecisionRecord:
    """The record of every checked format (``number_formats.CHECKED_FORMATS``)."""
    memo: dict = {}
    return PrecisionRecord({fmt.name: format_problems(agraph, blocks, settings, model, fmt, memo)
                            for fmt in CHECKED_FORMATS})
