"""The reference's encoder classes (``tracr.transformer.encoder`` re-exports them).

``CategoricalEncoder`` maps values to ids through ``encoding_map`` and back;
``NumericalEncoder`` passes numbers through. A compiled model's own encoders
(``InputEncoder``, ``CategoricalOutputEncoder``, ``NumericalOutputEncoder``) are registered as
their virtual subclasses, so ``isinstance(model.output_encoder, CategoricalEncoder)`` tells a
categorical output from a numerical one as it did in the reference.
"""

from __future__ import annotations

import abc
from collections.abc import Hashable, Sequence
from typing import Any

from tracr.errors import ModelInputError


class Encoder(abc.ABC):
    """Turns a sequence of values into model input/output ids (``encode``) and back."""

    @abc.abstractmethod
    def encode(self, inputs: Sequence) -> list:
        """Values -> ids."""

    @abc.abstractmethod
    def decode(self, encodings: Sequence) -> list:
        """Ids -> values."""

    @property
    def pad_token(self) -> Hashable | None:
        return None

    @property
    def bos_token(self) -> Hashable | None:
        return None

    @property
    def pad_encoding(self) -> int | None:
        return None

    @property
    def bos_encoding(self) -> int | None:
        return None


class NumericalEncoder(Encoder):
    """A numerical SOp's values are the numbers themselves: both ways are the identity."""

    def encode(self, inputs: Sequence) -> list:
        return list(inputs)

    def decode(self, encodings: Sequence) -> list:
        return list(encodings)


class CategoricalEncoder(Encoder):
    """Values <-> ids, id i being the value of ``basis[i]`` (a ``BasisDirection`` or anything
    with a ``value``).

    ``enforce_bos``: ``encode`` requires ``bos_token`` first; ``max_seq_len`` bounds the length
    of what ``encode`` takes (BOS included). Unknown values and ids raise ``ModelInputError``
    (a ``ValueError``), naming them.
    """

    def __init__(
        self,
        basis: Sequence[Any],
        enforce_bos: bool = False,
        bos_token: Hashable | None = None,
        pad_token: Hashable | None = None,
        max_seq_len: int | None = None,
    ):
        if enforce_bos and bos_token is None:
            raise ModelInputError("enforce_bos=True needs a bos_token")
        self.encoding_map = {d.value: i for i, d in enumerate(basis)}
        self.enforce_bos = enforce_bos
        self._bos_token = bos_token
        self._pad_token = pad_token
        self._max_seq_len = max_seq_len

    def encode(self, inputs: Sequence) -> list[int]:
        if self.enforce_bos and (len(inputs) == 0 or inputs[0] != self.bos_token):
            raise ModelInputError(f"the first input must be the BOS token {self.bos_token!r}")
        if self._max_seq_len is not None and len(inputs) > self._max_seq_len:
            raise ModelInputError(
                f"{len(inputs)} inputs, more than max_seq_len {self._max_seq_len}"
            )
        unknown = [x for x in inputs if x not in self.encoding_map]
        if unknown:
            raise ModelInputError(
                f"{unknown[0]!r} is not in the encoding map {sorted(map(repr, self.encoding_map))}"
            )
        return [self.encoding_map[x] for x in inputs]

    def decode(self, encodings: Sequence[int]) -> list:
        decoding_map = self.decoding_map
        unknown = [i for i in encodings if i not in decoding_map]
        if unknown:
            raise ModelInputError(f"id {unknown[0]!r} is not one of 0..{len(decoding_map) - 1}")
        return [decoding_map[i] for i in encodings]

    @property
    def decoding_map(self) -> dict[int, Hashable]:
        return {i: v for v, i in self.encoding_map.items()}

    @property
    def vocab_size(self) -> int:
        return len(self.encoding_map)

    @property
    def bos_token(self) -> Hashable | None:
        return self._bos_token

    @property
    def pad_token(self) -> Hashable | None:
        return self._pad_token

    @property
    def bos_encoding(self) -> int | None:
        return None if self._bos_token is None else self.encoding_map[self._bos_token]

    @property
    def pad_encoding(self) -> int | None:
        return None if self._pad_token is None else self.encoding_map[self._pad_token]
