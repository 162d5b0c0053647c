"""A token outside the vocabulary: the message shows tokens as Python writes them, with
types, so ``1`` and ``'1'`` are told apart."""

from __future__ import annotations

import pytest

from tracr.compiler import compiling, lib
from tracr.errors import ModelInputError


@pytest.mark.parametrize(("vocab", "token", "message"), [
    ({1, 2, 3}, "1", "position 1 holds '1', which is not in the vocabulary [1, 2, 3]; "
                     "'1' is a str, the vocabulary's 1 is an int"),
    ({"1", "2"}, 1, "position 1 holds 1, which is not in the vocabulary ['1', '2']; "
                    "1 is an int, the vocabulary's '1' is a str"),
    ({1, "a"}, 2.0, "position 1 holds 2.0, which is not in the vocabulary ['a', 1]"),
])
def test_the_vocabulary_error_shows_types(vocab, token, message):
    model = compiling.compile_rasp_to_model(lib.make_length(), vocab, 3)
    with pytest.raises(ModelInputError) as info:
        model.apply([model.input_encoder.bos_token, token])
    assert str(info.value) == message
