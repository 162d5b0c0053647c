"""After assembly: where the built model stays exact in float32, bfloat16 and float16.

``precision.py`` proves the model exact in float64 (or refuses it). The backends can run the
same weights in narrower formats; this module bounds, block by block, what float arithmetic
with unit roundoff ``u`` (``NumberFormat.unit``) can do to every residual direction, and lists
for each format the expressions it can make wrong. The bounds are worst-case (no rounding is
assumed to cancel), so "exact" is a proof; a listed problem may still not show on a given
input.

State: for every residual direction ``d``, a bound on the exact value's magnitude at
non-BOS positions (1 for one-hots) and a bound on the float error on it. A dot product of
``k`` non-zero terms (zero terms add nothing) is off by at most ``(k + 2) u`` times the sum of
the terms' magnitudes (``k`` roundings, and the weights' own representation). Exact values
of a categorical SOp sit on one direction of its group (a group contributes its largest
term), but errors sit on every direction (they are summed).

* **Heads.** A score is off by ``delta = (k + 6) u T + (input errors x weights)``, where
  ``T`` sums the largest term per pair of groups (the numerical-EQ head's ``c(2kq - k^2)``
  reaches ``c (|k| + |q|)^2``). The leak to unselected keys grows to
  ``LEAK_BOUND e^(2 delta)``; exp/sum/divide over ``n + 1`` keys add ``(n + 6) u``. A mean
  and SelectorWidth's share also need the tied keys' weights equal: they are within
  ``e^spread``, where ``spread = 2 delta``, or 0 when every tied score is the same single
  product of error-free one-hots (then bit-identical). Each output direction is off by
  ``sum_i |W_ov| err_i + max_i |W_ov| mag_i eta``; the share ``1/(w+1)``, relatively.
* **MLPs** (``low_precision_mlp``): discretising ones absorb their input's error within a
  quarter of each step's margin (else a problem) and add only their active units' rounding;
  the others pass errors on 1-Lipschitz through ReLU, except through units that stay exactly
  0 for the active one-hot value.
* **Outputs.** A categorical output decodes while its one-hot is off by less than 1/2
  (``NONE_THRESHOLD``); a numerical one must meet ``ATOL + RTOL |value|``.
* **Range.** Every weight, score and pre-activation must stay below half the format's
  largest finite value (float16: 65504).

The work that does not depend on the format is done once and shared by the three analyses.
"""

from __future__ import annotations

import math

import numpy as np

from tracr.compiler.graph_to_craft import ONE, CraftSettings, NodeBlocks
from tracr.compiler.low_precision_mlp import CAP, SCRATCH, MLPBounds, group_reduce
from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph
from tracr.craft.bases import BasisDirection
from tracr.craft.chamber.attention import LEAK_BOUND
from tracr.craft.transformers import AttentionHead
from tracr.model import CompiledModel
from tracr.model.encoders import NONE_THRESHOLD
from tracr.model.number_formats import CHECKED_FORMATS, NumberFormat, PrecisionRecord
from tracr.model.precision import ATOL, RTOL

MAX_PROBLEMS = 5  # per format: the first few name what to fix; the rest are counted


class _Analysis(MLPBounds):
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
        self.err_arr = np.zeros(max(64, 2 * len(self.ids), 2 * model.model_config.d_model))
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
        self._fit()
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
        self._fit()
        return mags, self.err_arr[index], names

    def _fit(self) -> None:
        """Grow the error arrays to every direction id handed out so far."""
        while len(self.ids) > len(self.err_arr):
            grow = len(self.err_arr)
            self.err_arr = np.concatenate([self.err_arr, np.zeros(grow)])
            self.written = np.concatenate([self.written, np.zeros(grow, dtype=bool)])

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
            for d in block.space.basis[:1]:  # a number held in the residual stream
                if d.value is None:
                    self.note_size(self.magnitude(d), f"the values of {node.describe()}")
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
        terms = self.cached(("terms", id(form)), lambda: group_reduce(
            group_reduce(ml[:, None] * w * mr[None, :], nl, 0), nr, 1))
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
        left_err = group_reduce(group_reduce(el[:, None] * w * mr[None, :], nl, 0, add), nr, 1)
        right_err = group_reduce(group_reduce(ml[:, None] * w * er[None, :], nr, 1, add), nl, 0)
        both = group_reduce(group_reduce(el[:, None] * w * er[None, :], nl, 0, add), nr, 1, add)
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
        self._fit()
        if add:
            mags = self.cached(("mags", id(dirs)), lambda: np.array(
                [self.magnitude(d) for d in dirs]))
            errors = self.err_arr[index] + errors + np.where(
                self.written[index], self.u * mags, 0.0)
        self.err_arr[index] = np.where(errors < CAP, errors, CAP)  # nan and inf: CAP
        self.written[index] = True

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
