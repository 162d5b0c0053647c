"""dumps(program) writes .rasp source that load_program reads back into the same function."""

from __future__ import annotations

import random
import warnings

import pytest

from tracr.compiler.compiling import compile_rasp_to_model
from tracr.datasets import SamplerConfig, candidate_rng, sample
from tracr.datasets.sampler import Rejected
from tracr.errors import DumpError, EvaluationError, FrontendError, UnsupportedExprError
from tracr.frontend import catalogue as cat
from tracr.frontend import dumps, load_program, register
from tracr.rasp import rasp

VOCAB = (0, 1, 2, 3, 4)


def _inputs(rng: random.Random, vocab=VOCAB, n: int = 6, count: int = 40) -> list[list]:
    return [[rng.choice(vocab) for _ in range(rng.randint(1, n))] for _ in range(count)]


def _same_function(a: rasp.SOp, b: rasp.SOp, inputs) -> None:
    for xs in inputs:
        try:
            want = rasp.evaluate(a, xs)
        except EvaluationError:
            with pytest.raises(EvaluationError):
                rasp.evaluate(b, xs)
            continue
        got = rasp.evaluate(b, xs)
        assert [repr(v) for v in got] == [repr(v) for v in want], (xs, dumps(a))
    assert rasp.is_numerical(a) == rasp.is_numerical(b)


def _every_construct() -> rasp.SOp:
    shifted = rasp.Map(cat.mod_const(3), rasp.Map(cat.add_const(1), rasp.tokens)).named("b")
    before = rasp.Select(rasp.indices, shifted, rasp.Comparison.LEQ).named("before")
    not_two = ~rasp.Select(rasp.tokens, rasp.Full(2), rasp.Comparison.EQ)
    both = (before & not_two).named("both")
    either = rasp.SelectorOr(both, rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT))
    is_two = rasp.numerical(rasp.Map(cat.indicator_eq(2), rasp.tokens)).named("is_two")
    mean = rasp.numerical(rasp.Aggregate(either, is_two, default=0)).named("mean")
    width = rasp.SelectorWidth(both).named("width")
    total = rasp.SequenceMap(cat.add, width, shifted).named("total")
    pick = rasp.Aggregate(rasp.Select(rasp.indices, total, rasp.Comparison.EQ), rasp.tokens)
    small = rasp.Map(cat.less_than(3), pick.named("pick")).named("small")
    flag = rasp.numerical(rasp.Map(cat.indicator(), small)).named("flag")
    mixed = rasp.numerical(rasp.LinearSequenceMap(mean, flag, 2, -0.5)).named("mixed")
    return rasp.numerical(rasp.LinearSequenceMap(mixed, mean, 1, 1)).named("result")


def test_every_construct_round_trips():
    program = _every_construct()
    text = dumps(program)
    for fragment in ("(tokens + 1) % 3", "select(tokens, 2, ==)", "not ", " and ", " or ",
                     "indicator(tokens == 2)", "selector_width(", "linear(mean, flag, 2, -0.5)",
                     "mixed + mean", "aggregate("):  # fmt: skip
        assert fragment in text, text
    _same_function(program, load_program(text), _inputs(random.Random(0)))


def test_encodings_and_defaults_are_written_when_the_frontend_would_differ():
    width = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens,
                                                          rasp.Comparison.TRUE)))  # fmt: skip
    odd = rasp.categorical(rasp.Map(cat.mod_const(2), width))
    picked = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT), odd,
                            default=1)  # fmt: skip
    mean = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices,
                          rasp.Comparison.LT), width, default=0))  # fmt: skip
    text = dumps(picked)
    assert "numerical(selector_width(" in text and "categorical(" in text
    assert text.rstrip().endswith(", 1)"), text  # the non-None default
    _same_function(picked, load_program(text), [[1, 2], [3, 3, 3], [0]])
    _same_function(mean, load_program(dumps(mean)), [[1, 2], [3, 3, 3], [0]])


def test_primitives_and_duplicate_names():
    a = rasp.Map(cat.add_const(1), rasp.tokens).named("x")
    b = rasp.Map(cat.mul_const(2), rasp.indices).named("x")
    out = rasp.SequenceMap(cat.add, a, rasp.SequenceMap(cat.add, b, rasp.length)).named("output")
    text = dumps(out)
    assert "length" in text
    _same_function(out, load_program(text), _inputs(random.Random(1)))
    assert dumps(rasp.tokens) == "output = tokens\n"
    assert load_program(dumps(rasp.numerical(rasp.indices))) is not None


def test_registered_functions_are_written_from_their_template():
    def halve(x):
        return x / 2

    register(halve, "{x} / 2", keeps_numerical=True)
    program = rasp.Map(halve, rasp.tokens)
    assert dumps(program).strip().endswith("tokens / 2")
    _same_function(program, load_program(dumps(program)), _inputs(random.Random(2)))


@pytest.mark.parametrize(
    "program, message",
    [
        (rasp.Map(lambda x: x + 1, rasp.tokens), "is neither a tracr.frontend.catalogue"),
        (rasp.SequenceMap(lambda x, y: x, rasp.tokens, rasp.indices), "SequenceMap"),
        (rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k < q), rasp.tokens),
         "is a Python function"),
        (rasp.Map(cat.add_const(1), rasp.ConstantSOp([1, 2, 3])), "no form for ConstantSOp"),
        (rasp.Map(cat.add_const(1), rasp.Full(1)), "a Full used as the input of Map"),
        (rasp.Full(3), "the output must be computed"),
        (rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ),
                        rasp.numerical(rasp.Full(1))), "a numerical Full"),
        (rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), rasp.tokens,
                        default=[1]), "the constant [1]"),
        (rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), "needs an SOp"),
    ],
)  # fmt: skip
def test_refuses_what_it_cannot_write(program, message):
    with pytest.raises(DumpError) as info:
        dumps(program)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_a_refusal_names_the_expression():
    inner = rasp.Map(lambda x: x, rasp.tokens).named("mystery")
    with pytest.raises(DumpError, match=f"cannot write {inner.label} \\(Map\\)"):
        dumps(rasp.SequenceMap(cat.add, inner, rasp.indices))


def test_register_refuses_a_non_callable():
    with pytest.raises(DumpError, match="register\\(\\) needs a callable"):
        register(3, "{x}")


def test_linear_builtin():
    program = load_program("a = indicator(tokens == 1)\nb = linear(a, indices, 2, 0.5)")
    assert isinstance(program, rasp.LinearSequenceMap) and rasp.is_numerical(program)
    assert (program.fst_fac, program.snd_fac) == (2, 0.5)
    assert program([1, 0, 1]) == [2, 0.5, 3]
    assert not rasp.is_numerical(load_program("b = linear(tokens, indices, 1, 2)"))


@pytest.mark.parametrize(
    "source, message",
    [
        ("b = linear(tokens, 3, 1, 1)", "linear() needs s-ops as its first two arguments, not "
         "the number 3"),
        ("b = linear(tokens, indices, 1, 'x')", "linear() needs constant numbers as factors, "
         "not the string 'x'"),
        ("b = linear(tokens, indices, 1)", "linear() takes 4 arguments"),
    ],
)  # fmt: skip
def test_linear_builtin_errors(source, message):
    with pytest.raises(FrontendError) as info:
        load_program(source)
    assert message in str(info.value)


def test_sampled_programs_compile_to_the_same_shape_from_their_source():
    config = SamplerConfig()
    compiled = 0
    for index in range(40):
        try:
            program = sample(config, candidate_rng(9, index)).program
        except Rejected:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # value-set warnings of random programs
            try:
                original = compile_rasp_to_model(program, set(VOCAB), 8, compiler_bos="BOS")
            except UnsupportedExprError:
                continue
            loaded = load_program(dumps(program))
            again = compile_rasp_to_model(loaded, set(VOCAB), 8, compiler_bos="BOS")
        assert again.model_config == original.model_config, dumps(program)
        compiled += 1
    assert compiled >= 20


def test_sampled_programs_round_trip():
    """The labels a decompiler learns: sampled programs, dumped and loaded, same outputs."""
    config = SamplerConfig()
    checked = 0
    for index in range(60):
        rng = candidate_rng(7, index)
        try:
            program = sample(config, rng).program
        except Rejected:
            continue
        loaded = load_program(dumps(program))
        _same_function(program, loaded, _inputs(rng, n=config.max_seq_len, count=25))
        checked += 1
    assert checked >= 40
