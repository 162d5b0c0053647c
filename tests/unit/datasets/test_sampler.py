"""The random-program sampler: typed, every primitive, knobs respected, deterministic."""

from __future__ import annotations

import collections

import pytest

from tracr.datasets import SamplerConfig, candidate_rng, program_hash, sample
from tracr.datasets.sampler import Rejected, count_ops
from tracr.errors import DatasetError, EvaluationError
from tracr.frontend import catalogue as cat
from tracr.frontend import dumps
from tracr.rasp import rasp


def _samples(config: SamplerConfig, count: int, seed: int = 0):
    out = []
    for index in range(count):
        try:
            out.append(sample(config, candidate_rng(seed, index)))
        except Rejected:
            pass
    return out


def _kinds(program: rasp.SOp) -> collections.Counter:
    kinds: collections.Counter = collections.Counter()
    for node in rasp.topological_sort(program):
        kind = type(node).__name__
        if isinstance(node, rasp.Aggregate):
            kind += "/numerical" if rasp.is_numerical(node) else "/categorical"
        if isinstance(node, rasp.Select):
            kinds[f"Select/{node.predicate.name}"] += 1
        kinds[kind] += 1
    return kinds


def test_draws_every_primitive():
    seen: collections.Counter = collections.Counter()
    for s in _samples(SamplerConfig(), 150):
        seen += _kinds(s.program)
    wanted = {"Map", "SequenceMap", "LinearSequenceMap", "Aggregate/categorical",
              "Aggregate/numerical", "SelectorWidth", "SelectorAnd", "SelectorOr",
              "SelectorNot", "Full"} | {f"Select/{c.name}" for c in rasp.Comparison}  # fmt: skip
    assert wanted <= set(seen), wanted - set(seen)


def test_knobs_bound_the_programs():
    config = SamplerConfig(vocab=("a", "b", "c"), max_seq_len=5, min_ops=3, max_ops=6,
                           max_depth=4)  # fmt: skip
    drawn = _samples(config, 60)
    assert len(drawn) > 20
    for s in drawn:
        ops, depth = count_ops(s.program)
        assert (ops, depth) == (s.n_ops, s.depth)
        assert 3 <= ops <= 6 and depth <= 4, dumps(s.program)
        # Typed: functions suit their inputs, so string tokens never meet arithmetic.
        for xs in (["a", "b", "c", "a", "b"], ["c"]):
            try:
                rasp.evaluate(s.program, xs)
            except EvaluationError as exc:  # only a categorical mean of different values
                assert "Aggregate" in str(exc), exc


def test_the_mix_chooses_the_operations():
    only_maps = SamplerConfig(mix=(("map", 1.0), ("composite", 0.0)), min_ops=2, max_ops=4)
    for s in _samples(only_maps, 20):
        assert set(_kinds(s.program)) <= {"Map", "TokensType", "IndicesType"}, dumps(s.program)


def test_deterministic_for_seed_and_index():
    config = SamplerConfig()
    a = [dumps(s.program) for s in _samples(config, 15, seed=3)]
    b = [dumps(s.program) for s in _samples(config, 15, seed=3)]
    c = [dumps(s.program) for s in _samples(config, 15, seed=4)]
    assert a == b and a != c


def test_functions_come_from_the_catalogue():
    for s in _samples(SamplerConfig(), 40):
        for node in rasp.topological_sort(s.program):
            if type(node) in (rasp.Map, rasp.SequenceMap):
                steps = getattr(node.f, "steps", (node.f,))
                assert all(isinstance(f, cat.CatalogueFunction) for f in steps)


def test_the_hash_ignores_names_and_sees_structure():
    def program(name: str, constant: int):
        m = rasp.Map(cat.add_const(constant), rasp.tokens).named(name)
        return rasp.Aggregate(rasp.Select(rasp.indices, m, rasp.Comparison.EQ), rasp.tokens)

    assert program_hash(program("a", 1)) == program_hash(program("b", 1))
    assert program_hash(program("a", 1)) != program_hash(program("a", 2))
    sel = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)
    assert program_hash(rasp.SelectorWidth(sel)) != program_hash(
        rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT))
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocab": ()}, "the vocabulary is empty"),
        ({"min_ops": 5, "max_ops": 2}, "need 1 <= min_ops <= max_ops, got 5..2"),
        ({"max_seq_len": 0}, "max_seq_len and max_depth must be at least 1"),
        ({"mix": (("maps", 1.0),)}, "unknown operations in the mix: ['maps']"),
        ({"mix": (("map", 0.0), ("aggregate", 0.0))}, "gives no operation a positive weight"),
    ],
)
def test_config_errors(kwargs, message):
    with pytest.raises(DatasetError) as info:
        SamplerConfig(**kwargs)
    assert message in str(info.value)
