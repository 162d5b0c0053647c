"""Bad input to a compiled model raises ``ModelInputError`` naming the position and value."""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib
from tracr.errors import ModelInputError, TracrError
from tracr.rasp import rasp


@pytest.fixture(scope="module")
def model():
    return compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2, 3}, 4,
                                           compiler_bos="BOS", compiler_pad="PAD")


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["BOS", 1, 7, 2], "position 2 holds 7, which is not in the vocabulary"),
        (["BOS", 1, "1"], "position 2 holds '1', which is not in the vocabulary"),
        (["BOS", 1, [2]], r"position 2 holds \[2\], which is not in the vocabulary"),
        (["BOS", 1, 2, 3, 1, 2], "input has 5 tokens after BOS, more than the compiled "
                                 "max_seq_len 4"),
        ([1, 2, 3], "position 0 holds 1; it must be the BOS token 'BOS'"),
        (["PAD", 1], "position 0 holds 'PAD'; it must be the BOS token 'BOS'"),
        (["BOS", 1, "BOS", 2], "position 2 holds the BOS token 'BOS'; BOS only at 0"),
        (["BOS", 1, "PAD", 2], "position 3 holds 2 after a PAD token; padding goes on the right"),
        ([], "input is empty; it must start with the BOS token 'BOS'"),
        ("BOS", "input must be a list of tokens"),
    ],
    ids=["outside_vocab", "wrong_type", "unhashable", "too_long", "missing_bos", "pad_first",
         "misplaced_bos", "pad_before_token", "empty", "string"],
)
def test_bad_input_names_position_and_value(model, tokens, message):
    with pytest.raises(ModelInputError, match=message):
        model.apply(tokens)


def test_bad_input_in_a_batch_is_reported(model):
    with pytest.raises(ModelInputError, match="position 1 holds 9"):
        model.apply_batch([["BOS", 1], ["BOS", 9]])
    with pytest.raises(ModelInputError, match="non-empty list"):
        model.apply_batch([])


def test_model_input_error_is_a_value_error_and_a_tracr_error(model):
    with pytest.raises(ValueError) as info:
        model.apply(["BOS", 0])
    assert isinstance(info.value, TracrError)


def test_bos_alone_and_trailing_pads_are_valid(model):
    assert model.apply(["BOS"]).decoded == ["BOS"]
    assert model.apply(["BOS", 3, 1, "PAD", "PAD"]).decoded == ["BOS", 1, 3, "PAD", "PAD"]
