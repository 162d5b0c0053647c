"""Bad arguments to ``compile_rasp_to_model`` raise ``CompilerError`` saying what is wrong."""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib, verifying
from tracr.errors import CompilerError, RASPTypeError, TracrError
from tracr.rasp import rasp

PROGRAM = rasp.tokens + 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vocab": {1, "compiler_bos"}}, "compiler_bos 'compiler_bos' is also in the vocab"),
        ({"vocab": {1, "compiler_pad"}}, "compiler_pad 'compiler_pad' is also in the vocab"),
        ({"vocab": {1, "B"}, "compiler_bos": "B"}, "compiler_bos 'B' is also in the vocab"),
        ({"vocab": {1, 0}, "compiler_pad": 0}, "compiler_pad 0 is also in the vocab"),
        ({"max_seq_len": 0}, "max_seq_len must be an integer >= 1, got 0"),
        ({"max_seq_len": -3}, "max_seq_len must be an integer >= 1, got -3"),
        ({"max_seq_len": 2.5}, "max_seq_len must be an integer >= 1, got 2.5"),
        ({"max_seq_len": True}, "max_seq_len must be an integer >= 1, got True"),
        ({"vocab": set()}, "vocab is empty"),
        ({"vocab": []}, "vocab is empty"),
        ({"vocab": "abc"}, "not a string"),
        ({"vocab": [[1], [2]]}, "hashable"),
        ({"vocab": {1, None}}, "None"),
        ({"compiler_bos": "X", "compiler_pad": "X"}, "compiler_bos and compiler_pad are both"),
        ({"causal": "yes"}, "causal must be True or False"),
        ({"mlp_exactness": 0}, "mlp_exactness must be a positive number"),
        ({"mlp_exactness": -5.0}, "mlp_exactness must be a positive number"),
    ],
)
def test_bad_arguments_raise_compiler_error(kwargs, message):
    args = {"vocab": {1, 2}, "max_seq_len": 3} | kwargs
    with pytest.raises(CompilerError, match=message.replace("(", r"\(")):
        compiling.compile_rasp_to_model(PROGRAM, **args)


def test_compiler_error_is_a_value_error_and_a_tracr_error():
    with pytest.raises(ValueError) as info:
        compiling.compile_rasp_to_model(PROGRAM, set(), 3)
    assert isinstance(info.value, TracrError)


def test_program_must_be_an_sop():
    selector = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    with pytest.raises(RASPTypeError, match=f"must be an SOp, got Select '{selector.label}'"):
        compiling.compile_rasp_to_model(selector, {1}, 2)


@pytest.mark.parametrize(
    "program",
    [
        rasp.indices,
        rasp.Map(lambda i: i % 2, rasp.indices),
        rasp.SelectorWidth(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)),
        rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1),
                       rasp.indices),
        rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices,
                                                  rasp.Comparison.LEQ),
                                      rasp.numerical(rasp.indices + 0), default=0)),
    ],
    ids=["indices", "map", "width", "aggregate", "numerical_mean"],
)
def test_a_program_that_reads_only_indices_compiles(program):
    model = compiling.compile_rasp_to_model(program, {"a", "b"}, 4)
    inputs = list(verifying.all_inputs({"a", "b"}, 4))
    for pad in (False, True):
        report = verifying.compare(model, program, inputs, pad_to_max=pad)
        assert report.checked == len(inputs) and report.ok, report.mismatches[:3]


def test_unusual_but_valid_tokens_compile():
    # Tuples, negative numbers and a BOS/PAD of another type are all fine.
    model = compiling.compile_rasp_to_model(lib.make_hist(), {(1, 2), -1, "x"}, 3,
                                            compiler_bos=0, compiler_pad="PAD")
    assert model.apply([0, (1, 2), -1, (1, 2)]).decoded == [0, 2, 1, 2]
