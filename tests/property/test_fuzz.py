"""The random-program fuzzer in CI: every program is exact or refused, never wrong.

Each of 400 programs from ``strategies.fuzz_cases`` is compiled causal and not; each model
must equal the evaluator (``causal_eval`` for the causal one) on its inputs unpadded, in
ragged batches and padded, or the compiler must refuse it with ``UnsupportedExprError``
naming expressions.
``python -m bench.fuzz`` runs the same check on ten thousand programs.
"""

from __future__ import annotations

import collections
import random

import pytest
from hypothesis import HealthCheck, given, settings

from tests.property.strategies import FuzzCase, check, fuzz_cases, generate
from tracr.rasp import rasp

CI_PROGRAMS = 400


@settings(max_examples=CI_PROGRAMS, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fuzz_cases())
def test_every_random_program_is_exact_or_refused(case: FuzzCase):
    outcome = check(case, budget=40)
    assert outcome.kind in ("exact", "vacuous", "refused"), (
        f"{outcome.kind}:\n{case}\n{outcome.detail}"
    )


def _programs(count: int) -> list[FuzzCase]:
    return [generate(random.Random(i)) for i in range(count)]


def test_generator_uses_every_primitive():
    seen: collections.Counter = collections.Counter()
    for case in _programs(400):
        for expr in rasp.topological_sort(case.program):
            seen[type(expr).__name__] += 1
            if isinstance(expr, rasp.Select):
                pred = expr.predicate
                seen[str(pred) if isinstance(pred, rasp.Comparison) else "lambda"] += 1
            if isinstance(expr, rasp.Aggregate):
                kind = "numerical" if rasp.is_numerical(expr) else "categorical"
                seen[f"{kind} default {expr.default!r}"] += 1
            if isinstance(expr, rasp.Map) and rasp.is_numerical(expr):
                seen["numerical Map"] += 1
        seen[f"vocab of {type(min(case.vocab, key=repr)).__name__}"] += 1
    wanted = [
        "TokensType", "IndicesType", "LengthType", "Map", "SequenceMap", "LinearSequenceMap",
        "Full", "ConstantSOp", "Select", "ConstantSelector", "SelectorAnd", "SelectorOr",
        "SelectorNot", "Aggregate", "SelectorWidth", "lambda", "numerical Map",
        "categorical default None", "numerical default 0", "numerical default None",
        "numerical default 1", "vocab of int", "vocab of str", "vocab of float",
        *(str(c) for c in rasp.Comparison),
    ]
    missing = [w for w in wanted if not seen[w]]
    assert not missing, f"the generator never produced {missing}"


def test_generator_makes_programs_that_compile_and_programs_that_are_refused():
    outcomes = collections.Counter(check(case, budget=5).kind for case in _programs(60))
    assert outcomes["exact"] >= 20 and outcomes["refused"] >= 3, outcomes


def test_generator_reaches_the_value_shapes_of_issue_13():
    # Large and tiny magnitudes, large denominators, mixed types, deep chains, many leaves.
    sources = [case.source for case in _programs(600)]
    wanted = ["2**26 + x / 2**20", "x * 1e-9", "1e16 if x else 1.0", "x / 1000003",
              "True if x else 1", "0.0 if x else -0.0", "chain of", "composite("]
    missing = [w for w in wanted if not any(w in s for s in sources)]
    assert not missing, f"the generator never produced {missing}"


@pytest.mark.slow  # about a minute on 2 cores; a smaller sample runs by default (below)
def test_random_programs_recorded_exact_in_float32_are_exact_there():
    """The float32 half of the fuzzer: each compiled model also runs in float32 (torch) and
    must be right there wherever its precision record says float32 is exact
    (``python -m bench.fuzz --float32`` runs thousands)."""
    pytest.importorskip("torch")
    verdicts: collections.Counter = collections.Counter()
    for i in range(60):
        case = generate(random.Random(f"float32:{i}"))
        outcome = check(case, budget=30, float32=True)
        assert outcome.kind != "crash", f"{case}\n{outcome.detail}"
        assert outcome.float32 != "unsound", f"{case}\n{outcome.detail}"
        verdicts[outcome.float32] += 1
    assert verdicts["exact"] >= 30, verdicts  # the record is not vacuous


def test_a_few_random_programs_recorded_exact_in_float32_are_exact_there():
    pytest.importorskip("torch")
    verdicts: collections.Counter = collections.Counter()
    for i in range(8):
        outcome = check(generate(random.Random(f"float32:{i}")), budget=20, float32=True)
        assert outcome.float32 != "unsound", outcome.detail
        verdicts[outcome.float32] += 1
    assert verdicts["exact"] >= 3, verdicts
