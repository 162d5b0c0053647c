"""Encoders between user-facing values and the model's integer ids / output vectors."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from tracr.errors import ModelInputError
from tracr.model.encoder_base import CategoricalEncoder, NumericalEncoder

# A categorical output whose largest coordinate is below this decodes as None: the program's
# value there is None (an Aggregate that selected nothing, with default None).
NONE_THRESHOLD = 0.5


@dataclasses.dataclass(frozen=True)
class InputEncoder:
    """Maps input tokens (vocabulary plus BOS and PAD) to rows of the token embedding."""

    encoding_map: dict[Hashable, int]
    bos_token: Hashable
    pad_token: Hashable
    max_seq_len: int

    @functools.cached_property
    def _stored_tokens(self) -> dict:
        return {t: t for t in self.encoding_map}

    @property
    def vocab(self) -> list:
        special = {self.bos_token, self.pad_token}
        return [t for t in self.encoding_map if t not in special]

    def vocab_text(self) -> str:
        """The vocabulary as Python writes its tokens, so types show: ``[1, '1', 'a']``."""
        return "[" + ", ".join(sorted(map(repr, self.vocab))) + "]"

    def _lookalike(self, tok: Any) -> str:
        """A hint when a vocabulary token is spelled like ``tok`` but has another type."""
        for v in self.vocab:
            if str(v) == str(tok):
                return (f"; {tok!r} is {_a(type(tok).__name__)}, the vocabulary's {v!r} is "
                        f"{_a(type(v).__name__)}")
        return ""

    @property
    def vocab_size(self) -> int:
        """Rows of the token embedding: the vocabulary, BOS and PAD."""
        return len(self.encoding_map)

    @property
    def bos_encoding(self) -> int:
        return self.encoding_map[self.bos_token]

    @property
    def pad_encoding(self) -> int:
        return self.encoding_map[self.pad_token]

    @property
    def decoding_map(self) -> dict:
        return {i: t for t, i in self.encoding_map.items()}

    def encode(self, tokens: Sequence) -> list[int]:
        """Token ids of one sequence that starts with BOS; checks every rule of the input."""
        self.check(tokens)
        return [self.encoding_map[t] for t in tokens]

    def decode(self, ids: Sequence[int]) -> list:
        inverse = {i: t for t, i in self.encoding_map.items()}
        out = []
        for pos, i in enumerate(ids):
            try:
                if isinstance(i, bool) or not isinstance(i, int | np.integer):
                    raise TypeError
                out.append(inverse[int(i)])
            except (KeyError, TypeError, ValueError):
                raise ModelInputError(
                    f"position {pos} holds the id {i!r}, which is not a token id (ids are "
                    f"0..{len(inverse) - 1})"
                ) from None
        return out

    def check(self, tokens: Sequence) -> None:
        if isinstance(tokens, str | bytes) or not isinstance(tokens, Sequence):
            raise ModelInputError(f"input must be a list of tokens, got {type(tokens).__name__}")
        if len(tokens) == 0:
            raise ModelInputError(
                f"input is empty; it must start with the BOS token {self.bos_token!r}"
            )
        if len(tokens) > self.max_seq_len + 1:
            raise ModelInputError(
                f"input has {len(tokens) - 1} tokens after BOS, more than the compiled "
                f"max_seq_len {self.max_seq_len}"
            )
        if not _same_token(tokens[0], self.bos_token):
            first = tokens[0]
            typed = (f" of type {type(self.bos_token).__name__}, not {type(first).__name__}"
                     if _hashable(first) and first == self.bos_token else "")
            raise ModelInputError(
                f"position 0 holds {first!r}; it must be the BOS token {self.bos_token!r}{typed}"
            )
        seen_pad = False
        for pos, tok in enumerate(tokens[1:], start=1):
            self._check_token(pos, tok, seen_pad)
            seen_pad = seen_pad or tok == self.pad_token

    def _check_token(self, pos: int, tok: Any, seen_pad: bool) -> None:
        if not _hashable(tok) or tok not in self.encoding_map:
            raise ModelInputError(
                f"position {pos} holds {tok!r}, which is not in the vocabulary "
                f"{self.vocab_text()}{self._lookalike(tok)}"
            )
        known = self._stored_tokens[tok]
        if not _same_token(tok, known):
            # 1.0, True and numpy.int64(1) equal the token 1, but a program may tell them
            # apart (str, type): only the vocabulary's own value is the token.
            raise ModelInputError(
                f"position {pos} holds {tok!r} of type {type(tok).__name__}, but the "
                f"vocabulary's token is {known!r} of type {type(known).__name__}; pass that "
                "exact value (for numpy arrays, .tolist() gives Python values)"
            )
        if tok == self.bos_token:
            raise ModelInputError(f"position {pos} holds the BOS token {tok!r}; BOS only at 0")
        if seen_pad and tok != self.pad_token:
            raise ModelInputError(
                f"position {pos} holds {tok!r} after a PAD token; padding goes on the right"
            )

    def to_dict(self) -> dict:
        return {
            "encoding_map": [[k, v] for k, v in self.encoding_map.items()],
            "bos_token": self.bos_token,
            "pad_token": self.pad_token,
            "max_seq_len": self.max_seq_len,
        }

    @classmethod
    def from_dict(cls, data: dict) -> InputEncoder:
        return cls(
            encoding_map={_freeze(k): v for k, v in data["encoding_map"]},
            bos_token=_freeze(data["bos_token"]),
            pad_token=_freeze(data["pad_token"]),
            max_seq_len=data["max_seq_len"],
        )


def _same_token(a: Any, b: Any) -> bool:
    """Equal, of the same type, and (for floats) of the same sign: 0.0 is not -0.0."""
    if not _hashable(a) or type(a) is not type(b) or not a == b:
        return False
    return not isinstance(a, float) or math.copysign(1.0, a) == math.copysign(1.0, b)


@dataclasses.dataclass(frozen=True)
class CategoricalOutputEncoder:
    """Reads a categorical output: column i of the unembedding (output id i) holds ``values[i]``.

    As in the reference, ``decode`` takes output ids (the argmax of the logits, which
    ``ModelOutput.unembedded`` holds) and ``encode`` gives them. ``decode_logits`` reads the
    logits themselves and so can also see None: a row with no coordinate above 0.5.
    """

    values: tuple

    @property
    def encoding_map(self) -> dict:
        return {v: i for i, v in enumerate(self.values)}

    @property
    def decoding_map(self) -> dict:
        return dict(enumerate(self.values))

    @property
    def vocab_size(self) -> int:
        return len(self.values)

    bos_token = pad_token = bos_encoding = pad_encoding = None

    def decode(self, ids: Sequence[int]) -> list:
        """Output ids -> values (``output_encoder.decode(logits.argmax(-1).tolist())``)."""
        out = []
        for i in np.asarray(ids).reshape(-1).tolist():
            if not isinstance(i, int) or not 0 <= i < len(self.values):
                raise ModelInputError(
                    f"output id {i!r} is not one of the {len(self.values)} output ids "
                    f"0..{len(self.values) - 1}; decode takes ids (logits.argmax(-1))"
                )
            out.append(self.values[i])
        return out

    def encode(self, values: Sequence) -> list[int]:
        """Values -> output ids."""
        return [self.encoding_map[v] for v in values]

    def unembed(self, logits: np.ndarray) -> np.ndarray:
        """What ``unembedded`` holds: the argmax ids [..., T] of logits [..., T, n_values]."""
        logits = np.asarray(logits)
        if logits.shape[-1] == 0:
            return np.zeros(logits.shape[:-1], dtype=np.int64)
        return np.argmax(logits, axis=-1).astype(np.int64)

    def decode_logits(self, logits: np.ndarray) -> list:
        """``logits`` is [T, n_values]; a row with no clear winner decodes as None."""
        out = []
        for row in np.asarray(logits):
            i = int(np.argmax(row)) if row.size else 0
            out.append(self.values[i] if row.size and row[i] > NONE_THRESHOLD else None)
        return out

    def one_hot(self, values: Sequence) -> np.ndarray:
        """The logits [T, n_values] an exact model gives for ``values`` (None: all zero)."""
        one_hot = np.zeros((len(values), len(self.values)))
        for pos, v in enumerate(values):
            if v is not None:
                one_hot[pos, self.encoding_map[v]] = 1.0
        return one_hot

    def to_dict(self) -> dict:
        return {"kind": "categorical", "values": list(self.values)}


@dataclasses.dataclass(frozen=True)
class NumericalOutputEncoder:
    """Reads a numerical output: the single unembedding column is the value.

    ``unembedded`` holds the numbers themselves [B, T]; ``decode`` turns them into floats
    (the reference's numerical encoder passed them through).
    """

    @property
    def encoding_map(self) -> None:
        return None

    def decode(self, values: Sequence) -> list:
        return [float(v) for v in np.asarray(values, dtype=float).reshape(-1)]

    def encode(self, values: Sequence) -> list:
        return list(values)

    def unembed(self, logits: np.ndarray) -> np.ndarray:
        return np.asarray(logits)[..., 0]

    def decode_logits(self, logits: np.ndarray) -> list:
        return [float(row[0]) for row in np.asarray(logits)]

    def one_hot(self, values: Sequence) -> np.ndarray:
        return np.asarray([[0.0 if v is None else float(v)] for v in values])

    def to_dict(self) -> dict:
        return {"kind": "numerical"}


OutputEncoder = CategoricalOutputEncoder | NumericalOutputEncoder

# The reference's encoder classes: isinstance(model.output_encoder, CategoricalEncoder) works.
CategoricalEncoder.register(InputEncoder)
CategoricalEncoder.register(CategoricalOutputEncoder)
NumericalEncoder.register(NumericalOutputEncoder)


def output_encoder_from_dict(data: dict) -> OutputEncoder:
    if data["kind"] == "categorical":
        return CategoricalOutputEncoder(tuple(_freeze(v) for v in data["values"]))
    return NumericalOutputEncoder()


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _hashable(x: Any) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def _freeze(x: Any) -> Any:
    """JSON turns tuples into lists; values of a vocabulary must be hashable again."""
    return tuple(_freeze(i) for i in x) if isinstance(x, list) else x
