"""Check a compiled model against the RASP evaluator: the differential test, as a library.

``compare`` runs the model on each input (batched, ragged inputs padded and masked) and the
evaluator on the same input, and lists every position where they disagree. Inputs on which
the evaluator itself fails (a categorical Aggregate averaging different values, a user
function raising) lie outside the program's domain and are counted, not compared.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Hashable, Iterable, Iterator, Sequence

from tracr.errors import TracrError
from tracr.model import CompiledModel, NumericalOutputEncoder, precision
from tracr.rasp import causal_eval, rasp

DEFAULT_ATOL = precision.ATOL  # the contract: |model - evaluator| <= ATOL + RTOL * |value|
DEFAULT_RTOL = precision.RTOL


@dataclasses.dataclass(frozen=True)
class Mismatch:
    input: tuple
    position: int
    expected: object
    got: object

    def __str__(self) -> str:
        return (f"input {list(self.input)!r}, position {self.position}: evaluator "
                f"{self.expected!r}, model {self.got!r}")


@dataclasses.dataclass
class Report:
    checked: int = 0
    outside_domain: int = 0
    mismatches: list[Mismatch] = dataclasses.field(default_factory=list)

    @property
    def exact(self) -> int:
        return self.checked - len({m.input for m in self.mismatches})

    @property
    def ok(self) -> bool:
        return not self.mismatches


def all_inputs(vocab: Iterable[Hashable], max_len: int, min_len: int = 1) -> Iterator[list]:
    tokens = sorted(vocab, key=repr)
    for n in range(min_len, max_len + 1):
        for xs in itertools.product(tokens, repeat=n):
            yield list(xs)


def random_inputs(
    vocab: Iterable[Hashable], max_len: int, count: int, seed: int = 0, min_len: int = 1
) -> list[list]:
    tokens = sorted(vocab, key=repr)
    rng = random.Random(seed)
    return [[rng.choice(tokens) for _ in range(rng.randint(min_len, max_len))]
            for _ in range(count)]


def _same(expected, got, numerical: bool, atol: float, rtol: float) -> bool:
    if expected is None or got is None or not numerical:
        return _typed_equal(expected, got)
    # A numerical SOp may hold bools (``x > 0`` marked numerical): compare them as numbers.
    return precision.same_value(float(got), float(expected), atol, rtol)


def _typed_equal(a, b) -> bool:
    """Equal and of the same type: the model must not answer ``1`` for ``True`` or ``1.0``."""
    if not (a == b and type(a) is type(b)):
        return False
    return not isinstance(a, float) or math.copysign(1.0, a) == math.copysign(1.0, b)


def compare(
    model: CompiledModel,
    program: rasp.SOp,
    inputs: Iterable[Sequence],
    atol: float = DEFAULT_ATOL,
    batch_size: int = 256,
    pad_to_max: bool = False,
    rtol: float = DEFAULT_RTOL,
) -> Report:
    """Differential test of ``model`` against the evaluator on ``inputs`` (without BOS).

    With ``pad_to_max`` every input is padded to the model's max_seq_len with PAD.
    """
    evaluate = causal_eval.evaluate if model.model_config.causal else rasp.evaluate
    numerical = isinstance(model.output_encoder, NumericalOutputEncoder)
    bos, pad = model.input_encoder.bos_token, model.input_encoder.pad_token
    n_max = model.model_config.max_seq_len
    report = Report()
    it = iter(inputs)
    while batch := list(itertools.islice(it, batch_size)):
        expected, kept = [], []
        for xs in batch:
            try:
                expected.append(evaluate(program, list(xs)))
                kept.append(list(xs))
            except TracrError:
                report.outside_domain += 1
        if not kept:
            continue
        seqs = [[bos, *xs] + ([pad] * (n_max - len(xs)) if pad_to_max else []) for xs in kept]
        decoded = model.apply_batch(seqs).decoded
        for xs, want, got in zip(kept, expected, decoded, strict=True):
            report.checked += 1
            for pos, (w, g) in enumerate(zip(want, got[1:], strict=False)):
                if not _same(w, g, numerical, atol, rtol):
                    report.mismatches.append(Mismatch(tuple(xs), pos, w, g))
    return report
