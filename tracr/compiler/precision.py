"""Part of validation: where float64 cannot hold the separations a program needs.

The compiled model computes numbers in float64, so a numerical SOp carries an error. This
module bounds that error, SOp by SOp, and refuses what it cannot make exact:

* a Map of a numerical SOp tells neighbouring known values apart with a step halfway between
  them, exact for inputs within a quarter-gap (``numerical_mlp``); it is refused when the
  input's error bound reaches an eighth of a gap its result changes across, or when the
  step's own rounding (``eps * slope * |x|``) could reach an eighth of the step;
* the program's numerical output is refused when its error bound exceeds the contract
  ``ATOL + RTOL * |value|`` at its value closest to zero.

Error bounds (absolute, per numerical SOp, with ``S`` the largest magnitude it is computed
from): a numerical step MLP writes sums of its output constants, so
``ROUNDING * (sum of |constants|)``; a lookup table (categorical input) writes each value
exactly, up to a relative rounding far below ``RTOL``; an Aggregate adds attention's leak to
unselected keys (``2 * LEAK_BOUND * S``, see ``attention``) and rounding; a LinearSequenceMap
scales its inputs' bounds. A table reading computed one-hots adds ``ONEHOT_ERR`` per input
and unit, scaled by its outputs' magnitude (exact on the embeddings' one-hots).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tracr.compiler.nodes import NUMERICAL, AnnotatedGraph, ExprNode
from tracr.craft.chamber.attention import LEAK_BOUND
from tracr.model.precision import ATOL, RTOL  # the contract on numerical outputs

# A one-hot that a block computes (a table, a discretising step, an attention copy) is 0 or
# 1 only up to float rounding and attention's leak.
ONEHOT_ERR = 2 * LEAK_BOUND
LOOKUPS = ("map", "sequence_map", "linear_sequence_map")
EMBEDDED = ("tokens", "indices", "full", "constant_sop")
EPS = 2.0**-52
ROUNDING = 64 * EPS  # a few float64 roundings per sum, with room to spare


def _outcome(f: Callable, x) -> tuple:
    try:
        return ("gives", f(x))
    except Exception as exc:  # noqa: BLE001 - any user error
        return ("raises", type(exc).__name__)


class _Bounds:
    def __init__(self, agraph: AnnotatedGraph, exactness: float | None):
        self.g = agraph
        self.exactness = exactness or 0.0
        self.err: dict[str, float] = {}
        self.scale: dict[str, float] = {}
        self.problems: list[tuple[ExprNode, str]] = []

    def values(self, label: str):
        info = self.g.info.get(label)
        return None if info is None else info.values

    def magnitude(self, label: str, fallback: float) -> float:
        values = self.values(label)
        nums = [abs(float(v)) for v in values or () if isinstance(v, int | float)]
        return max(nums, default=0.0) if values is not None else fallback

    def run(self) -> list[tuple[ExprNode, str]]:
        for label in self.g.graph.order:
            node = self.g.graph[label]
            if node.kind == "map" and self.g.graph[node.children[0]].encoding == NUMERICAL:
                self._check_steps(node)
            if node.encoding == NUMERICAL and not node.is_selector:
                self._bound(node)
        out = self.g.graph.output
        if self.g.graph[out].encoding == NUMERICAL and out in self.err:
            self._check_output(self.g.graph[out])
        return self.problems

    def _bound(self, node: ExprNode) -> None:
        kids = node.children
        scale = self.magnitude(node.label, math.inf)
        if node.kind == "aggregate":
            s_in = self.scale.get(kids[1], math.inf)
            err = self.err.get(kids[1], 0.0) + (2 * LEAK_BOUND + ROUNDING) * s_in
            scale = min(scale, s_in)
        elif node.kind == "linear_sequence_map" and self._numeric_inputs(node):
            a, b = abs(node.params["fst_fac"]), abs(node.params["snd_fac"])
            e = [self.err.get(k, 0.0) for k in kids]
            s = [self.scale.get(k, math.inf) for k in kids]
            scale = min(scale, a * s[0] + b * s[1])
            err = a * e[0] + b * e[1] + ROUNDING * scale
        elif node.kind == "map" and self._numeric_inputs(node):
            err = ROUNDING * self._step_total(node)
        elif node.kind in LOOKUPS and not all(self._embedded(k) for k in kids):
            # A table reading one-hots that blocks computed: each hidden unit carries their
            # error (ONEHOT_ERR per input), and every unit's error is scaled by its output.
            units = math.prod(len(self.values(k) or ()) or 1 for k in kids)
            err = ONEHOT_ERR * len(kids) * units * self.magnitude(node.label, math.inf)
        else:
            # Lookups of the embeddings, SelectorWidth: one unit writes f(v) into an empty
            # slot, so the value is exact up to a relative rounding far below RTOL.
            err = 0.0
        self.err[node.label], self.scale[node.label] = err, scale

    def _embedded(self, label: str) -> bool:
        """A categorical SOp the embeddings write exactly (no block computes it)."""
        return self.g.graph[label].kind in EMBEDDED

    def _numeric_inputs(self, node: ExprNode) -> bool:
        return self.g.graph[node.children[0]].encoding == NUMERICAL

    def _images(self, node: ExprNode) -> list[tuple[float, tuple]]:
        values = self.values(node.children[0]) or ()
        return sorted((float(v), _outcome(node.f, v)) for v in values
                      if isinstance(v, int | float) and math.isfinite(v))

    def _step_total(self, node: ExprNode) -> float:
        """The sum of |constants| a numerical step MLP adds: f(v_0) and every jump."""
        outs = [o for _, (kind, o) in self._images(node) if kind == "gives"]
        nums = [float(o) for o in outs if isinstance(o, int | float)]
        if not nums:
            return 0.0
        jumps = sum(abs(b - a) for a, b in zip(nums, nums[1:], strict=False))
        return abs(nums[0]) + jumps

    def _check_steps(self, node: ExprNode) -> None:
        child = node.children[0]
        err_in = self.err.get(child, 0.0)
        images = self._images(node)
        for (lo, out_lo), (hi, out_hi) in zip(images, images[1:], strict=False):
            if out_lo == out_hi:
                continue
            gap = hi - lo
            slope = max(2.0 / gap, self.exactness) if gap > 0 else math.inf
            ramp = ROUNDING * slope * max(abs(lo), abs(hi))
            huge = slope * max(abs(lo), abs(hi), 1.0) > 1e300  # the BOS gate would overflow
            if gap <= 0 or err_in >= gap / 8 or ramp >= 1 / 8 or huge:
                self.problems.append((node, (
                    f"its result changes between the input values {lo!r} and {hi!r} of "
                    f"{child!r}, a gap of {gap:.3g}, but float64 computes {child!r} only to "
                    f"within {max(err_in, ROUNDING * abs(hi)):.3g} there"
                )))
                return

    def _check_output(self, node: ExprNode) -> None:
        err = self.err[node.label]
        values = self.values(node.label)
        nearest = min((abs(float(v)) for v in values or () if isinstance(v, int | float)),
                      default=0.0)
        if err > ATOL + RTOL * nearest:
            self.problems.append((node, (
                f"the output is computed in float64 from magnitudes up to "
                f"{self.scale[node.label]:.3g}, to within {err:.3g}, more than the "
                f"{ATOL:g} + {RTOL:g} * |value| the model promises (at the value {nearest:.3g})"
            )))


def precision_problems(agraph: AnnotatedGraph, exactness: float | None = None
                       ) -> list[tuple[ExprNode, str]]:
    """(node, reason) for every expression float64 cannot compute within the contract."""
    return _Bounds(agraph, exactness).run()
