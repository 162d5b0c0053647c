"""Inputs for training and measuring a compressed model: the program's own domain.

A compiled model accepts every sequence over its vocabulary of length 1..max_seq_len, but a
program may be meant for fewer (``sort_unique`` needs distinct keys): ``domain`` is a
predicate on token lists (without BOS) that says which inputs count, ``sample`` a function
``rng -> tokens`` that draws them directly. The targets are the compiled model's own outputs,
which equal the RASP evaluator's on the domain (the compiler's contract).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from tracr.errors import CompressionError
from tracr.model import CategoricalOutputEncoder, CompiledModel, batching
from tracr.model.encoders import NONE_THRESHOLD

Domain = Callable[[list], bool]
Sampler = Callable[[np.random.Generator], Sequence]
MAX_REJECTIONS = 1000  # draws per accepted input before the domain is declared too small


@dataclasses.dataclass(frozen=True)
class Examples:
    """Right-padded inputs and the compiled model's intermediates on them (numpy, float64).

    ``real`` marks the positions that hold a token (BOS included); ``scored`` the positions
    whose output counts (real, without BOS).
    """

    tokens: list[list]
    ids: np.ndarray  # [N, T]
    real: np.ndarray  # [N, T] bool
    scored: np.ndarray  # [N, T] bool
    layer_outputs: np.ndarray  # [N, 2 * n_layers, T, D]
    residuals: np.ndarray  # [N, 1 + 2 * n_layers, T, D]: the stream before and after each
    logits: np.ndarray  # [N, T, n_out]
    decoded: list[list]


def draw_inputs(
    model: CompiledModel,
    rng: np.random.Generator,
    count: int,
    domain: Domain | None = None,
    sample: Sampler | None = None,
) -> list[list]:
    """``count`` inputs (each with BOS in front), uniform length then uniform tokens unless
    ``sample`` is given, keeping those ``domain`` accepts."""
    enc = model.input_encoder
    vocab, max_len = enc.vocab, enc.max_seq_len
    out: list[list] = []
    for _ in range(count * MAX_REJECTIONS):
        if sample is not None:
            tokens = list(sample(rng))
        else:
            length = int(rng.integers(1, max_len + 1))
            tokens = [vocab[i] for i in rng.integers(0, len(vocab), size=length)]
        if domain is None or domain(tokens):
            out.append([enc.bos_token, *tokens])
            if len(out) == count:
                return out
    raise CompressionError(
        f"the domain accepted {len(out)} of {count * MAX_REJECTIONS} random inputs; pass a "
        "`sample` function that draws inputs of the program's domain directly"
    )


def examples(model: CompiledModel, inputs: list[list]) -> Examples:
    """Run the compiled model on ``inputs`` (padded to the full context) and keep its targets."""
    enc = model.input_encoder
    width = model.model_config.n_ctx
    padded = [s + [enc.pad_token] * (width - len(s)) for s in inputs]
    batch = batching.encode_batch(enc, padded, pad=True)
    trace = model.forward(batch.ids, batch.key_is_real)
    decoded = batching.decode_batch(enc, model.output_encoder, trace.logits, batch)
    scored = batch.key_is_real.copy()
    scored[:, 0] = False
    return Examples(
        tokens=inputs,
        ids=batch.ids,
        real=batch.key_is_real,
        scored=scored,
        layer_outputs=np.stack(trace.layer_outputs, axis=1),
        residuals=np.stack([trace.input_embeddings, *trace.residuals], axis=1),
        logits=trace.logits,
        decoded=[row[: len(s)] for row, s in zip(decoded, inputs, strict=True)],
    )


def output_values(*sets: Examples) -> np.ndarray:
    """The distinct numbers a numerical output takes on ``sets``, ascending."""
    numbers = [float(v) for ex in sets for row in ex.decoded for v in row[1:]]
    return np.unique(np.round(np.asarray(numbers), 9))  # ascending


def nearest(values: np.ndarray, x: float) -> float:
    """The element of ``values`` nearest ``x``."""
    return float(values[np.argmin(np.abs(values - x))])


def is_categorical(model: CompiledModel) -> bool:
    return isinstance(model.output_encoder, CategoricalOutputEncoder)


def none_threshold() -> float:
    return NONE_THRESHOLD
