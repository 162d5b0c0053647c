"""Learning ``w``: gradient descent on the paper's loss, on inputs of the program's domain.

    from tracr.compress import compress
    result = compress(model, embedding_size=12, seed=0)
    result.accuracy            # fraction of held-out output positions decoded exactly
    result.w, result.labels    # [12, d_model] and the residual label of each column
    result.model.apply(["BOS", 3, 1, 2]).decoded

The loss is the output loss (cross-entropy of ``logit_scale`` times the categorical output
at the positions whose value is not None, squared error towards zero where it is; squared
error for a numerical output) plus ``reconstruction_weight`` times the
reconstruction loss: the squared error of every sublayer's write, read back in the original
basis, against the compiled model's output of that sublayer, at every real position. A
compiled model's categorical output is one-hot (1 for the value, 0 elsewhere), so the
cross-entropy of the raw output would be about 0.9 at the compiled model itself and would pull
``w`` away from it; scaled by 10 it is below 1e-3. The compiled
weights stay frozen unless ``train_compiled``. Training stops as soon as every held-out
position decodes exactly.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from typing import Any, TextIO

import numpy as np

from tracr.compress import data
from tracr.compress.model import CompressedModel
from tracr.errors import CompressionError
from tracr.model import CompiledModel


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every knob of ``compress`` (see its docstring)."""

    steps: int = 3000
    batch_size: int = 512
    lr: float = 0.01
    reconstruction_weight: float = 1.0
    train_compiled: bool = False
    decompress_every_layer: bool = False
    pool_size: int = 2048
    held_out: int = 1000
    eval_every: int = 50
    logit_scale: float = 10.0  # cross-entropy of logit_scale * a categorical output
    init: str = "pca"  # initial w: "pca" or "random" (see initial_w)
    threads: int = 1  # torch threads while training (small matrices: more threads only wait)


@dataclasses.dataclass(frozen=True)
class Step:
    """One optimiser step: the loss on its batch and the fraction of that batch's positions
    that decoded exactly (``held_out``: the held-out accuracy when measured at this step)."""

    step: int
    loss: float
    output_loss: float
    reconstruction_loss: float
    accuracy: float
    held_out: float | None = None


@dataclasses.dataclass(frozen=True)
class CompressionResult:
    """What ``compress`` returns. ``model`` holds the ``w`` with the best held-out accuracy."""

    model: CompressedModel
    accuracy: float  # held-out positions decoded exactly (numpy, float64)
    history: tuple[Step, ...]
    seconds: float
    stopped_early: bool

    @property
    def w(self) -> np.ndarray:
        return self.model.w  # [embedding_size, d_model]

    @property
    def labels(self) -> list[str]:
        return self.model.residual_labels

    @property
    def embedding_size(self) -> int:
        return self.model.embedding_size

    @property
    def losses(self) -> list[float]:
        return [s.loss for s in self.history]


def compress(
    model: CompiledModel,
    embedding_size: int,
    *,
    seed: int = 0,
    domain: data.Domain | None = None,
    sample: data.Sampler | None = None,
    quiet: bool | None = None,
    stream: TextIO | None = None,
    **options: Any,
) -> CompressionResult:
    """Learn ``w`` [embedding_size, d_model] so that the compressed model computes ``model``.

    ``domain`` / ``sample`` say which inputs the program is meant for (see
    ``tracr.compress.data``); ``seed`` fixes the initial ``w`` and every input drawn, so a run
    is reproducible (on CPU, bit for bit). ``options`` are the fields of ``TrainConfig``:
    ``steps``, ``batch_size``, ``lr``, ``reconstruction_weight``, ``train_compiled`` (train
    the compiled weights too), ``decompress_every_layer``, ``pool_size`` (training inputs),
    ``held_out`` (measuring inputs), ``eval_every``, ``logit_scale``, ``init``, ``threads``.
    A progress line with the loss and accuracies goes to ``stream`` (stderr) unless ``quiet``
    (by default it is drawn only when ``stream`` is a terminal).
    """
    config = _config(model, embedding_size, options)
    rng = np.random.default_rng(seed)
    init_rng, train_rng, test_rng, batch_rng = rng.spawn(4)
    train = data.examples(
        model, data.draw_inputs(model, train_rng, config.pool_size, domain, sample)
    )
    test = data.examples(model, data.draw_inputs(model, test_rng, config.held_out, domain, sample))
    w0 = initial_w(init_rng, embedding_size, train, config.init)
    start = time.monotonic()
    stream = stream or sys.stderr
    if quiet is None:  # draw only on a terminal: logs and captured output stay clean
        quiet = not getattr(stream, "isatty", lambda: False)()
    bar = None if quiet else _Progress(stream, config.steps, embedding_size)
    from tracr.compress import _loop

    values = None if data.is_categorical(model) else data.output_values(train, test)
    trained, history, stopped = _loop.train(model, w0, train, test, values, config, batch_rng, bar)
    if bar is not None:
        bar.close()
    return CompressionResult(
        model=trained,
        accuracy=held_out_accuracy(trained, test, values),
        history=tuple(history),
        seconds=time.monotonic() - start,
        stopped_early=stopped,
    )


def _config(model: CompiledModel, embedding_size: int, options: dict) -> TrainConfig:
    d = model.model_config.d_model
    if not isinstance(embedding_size, int) or not 1 <= embedding_size <= d:
        raise CompressionError(
            f"embedding_size {embedding_size!r} must be an integer from 1 to d_model = {d}"
        )
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise CompressionError(
            f"compress got unknown options {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return TrainConfig(**options)


def initial_w(rng: np.random.Generator, k: int, train: data.Examples, init: str) -> np.ndarray:
    """``w`` [k, d] with orthonormal rows (so ``w.T @ w`` is a projection): the k principal
    directions of the compiled model's residual stream on the training inputs (``"pca"``,
    the best linear reconstruction of the stream), or random ones (``"random"``)."""
    d = train.residuals.shape[-1]
    if init == "random":
        q, _ = np.linalg.qr(rng.standard_normal((d, k)))  # [D, K]
        return q.T.copy()
    if init != "pca":
        raise CompressionError(f"init {init!r} must be 'pca' or 'random'")
    x = train.residuals.transpose(0, 2, 1, 3)[train.real].reshape(-1, d)  # [N*T*S, D]
    _, vectors = np.linalg.eigh(x.T @ x)  # ascending eigenvalues
    return vectors[:, ::-1][:, :k].T.copy()


def held_out_accuracy(
    model: CompressedModel, test: data.Examples, values: np.ndarray | None = None
) -> float:
    """Fraction of output positions (not BOS, not PAD) where the compressed model's decoded
    value is the compiled model's. A numerical output is first rounded to the nearest of
    ``values`` (the numbers the compiled model outputs on the domain, see
    ``data.output_values``): exact means nearer the right number than any other."""
    out = model.apply_batch(test.tokens)
    good = total = 0
    for got_row, want_row in zip(out.decoded, test.decoded, strict=True):
        for got, want in zip(got_row[1:], want_row[1:], strict=True):
            total += 1
            if values is not None and isinstance(got, float):
                got, want = data.nearest(values, got), data.nearest(values, want)
            good += got == want
    return good / max(total, 1)


class _Progress:
    """``compress k=12 [#####-----] 1200/4000 loss 0.0123 acc 98.4% held-out 97.0%``."""

    def __init__(self, stream: TextIO, total: int, k: int, interval: float = 0.2):
        self.stream, self.total, self.k, self.interval = stream, total, k, interval
        self._next = 0.0
        self._held_out: float | None = None
        self._last: Step | None = None

    def update(self, s: Step, force: bool = False) -> None:
        self._last = s
        if s.held_out is not None:
            self._held_out = s.held_out
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + self.interval
        filled = 20 * (s.step + 1) // self.total
        held = "" if self._held_out is None else f" held-out {self._held_out:6.1%}"
        self.stream.write(
            f"\rcompress k={self.k} [{'#' * filled}{'-' * (20 - filled)}] {s.step + 1}/"
            f"{self.total} loss {s.loss:.4g} acc {s.accuracy:6.1%}{held}"
        )
        self.stream.flush()

    def close(self) -> None:
        """Draws the final state, then ends the line."""
        if self._last is not None:
            self.update(self._last, force=True)
        self.stream.write("\n")
        self.stream.flush()
