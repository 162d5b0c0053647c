"""Training ``w``: the loss falls, runs are reproducible, early stopping, the options."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tracr.compress import compress, sweep
from tracr.errors import CompressionError

FAST = {"steps": 40, "batch_size": 32, "pool_size": 128, "held_out": 64, "eval_every": 10}


def test_training_reduces_the_loss(reverse_model):
    k = reverse_model.model_config.d_model // 2
    result = compress(reverse_model, k, init="random", quiet=True, **FAST)
    losses = result.losses
    assert len(losses) == FAST["steps"]
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])
    assert result.w.shape == (k, reverse_model.model_config.d_model)
    assert result.labels == reverse_model.residual_labels
    assert 0.0 <= result.accuracy <= 1.0


def test_only_w_is_trained_by_default(frac_model):
    result = compress(frac_model, 4, quiet=True, **FAST)
    for name, arrays in frac_model.params.items():
        for key, value in arrays.items():
            np.testing.assert_array_equal(result.model.compiled.params[name][key], value)


def test_train_compiled_changes_the_compiled_weights(frac_model):
    result = compress(frac_model, 4, quiet=True, train_compiled=True, **FAST)
    before = frac_model.params["transformer/layer_1/attn/value"]["w"]
    after = result.model.compiled.params["transformer/layer_1/attn/value"]["w"]
    assert after.shape == before.shape
    assert not np.allclose(after, before)
    assert result.model.apply(["BOS", "x", "a"]).decoded[0] == "BOS"


def test_same_seed_same_w_other_seed_other_w(frac_model):
    a = compress(frac_model, 3, seed=1, quiet=True, **FAST)
    b = compress(frac_model, 3, seed=1, quiet=True, **FAST)
    c = compress(frac_model, 3, seed=2, quiet=True, **FAST)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.losses == b.losses
    assert not np.array_equal(a.w, c.w)


def test_stops_early_when_held_out_inputs_are_exact(reverse_model):
    """With embedding_size = d_model the principal directions span the whole stream, so the
    starting w is already exact: it is kept, and no step can move it away (Adam moves every
    entry by about lr even at zero loss)."""
    d = reverse_model.model_config.d_model
    result = compress(reverse_model, d, quiet=True, init="pca", **FAST)
    assert result.stopped_early
    assert len(result.history) == 0
    assert result.accuracy == 1.0


def test_training_never_ends_below_its_start(frac_model):
    start = compress(frac_model, 4, quiet=True, steps=0)
    trained = compress(frac_model, 4, quiet=True, **FAST)
    assert trained.accuracy >= start.accuracy


def test_held_out_accuracy_counts_decoded_positions(reverse_model):
    """One dimension cannot hold reverse: accuracy is measured, not assumed."""
    result = compress(reverse_model, 1, quiet=True, **FAST)
    assert result.accuracy < 0.9
    assert not result.stopped_early


def test_progress_line_shows_loss_and_accuracy(frac_model):
    stream = io.StringIO()
    compress(frac_model, 3, quiet=False, stream=stream, **FAST)
    text = stream.getvalue()
    assert "compress k=3" in text and "loss" in text and "held-out" in text
    assert text.endswith("\n")
    quiet = io.StringIO()
    compress(frac_model, 3, quiet=True, stream=quiet, **FAST)
    assert quiet.getvalue() == ""


def test_domain_restricts_the_inputs(reverse_model):
    seen = []

    def domain(tokens):
        seen.append(tuple(tokens))
        return len(set(tokens)) == len(tokens)

    compress(reverse_model, 4, domain=domain, quiet=True, **FAST)
    assert seen and any(len(set(t)) < len(t) for t in seen)  # some were drawn and rejected


def test_sweep_runs_one_compression_per_size(frac_model):
    results = sweep(frac_model, [2, 4], quiet=True, **FAST)
    assert [r.embedding_size for r in results] == [2, 4]


@pytest.mark.parametrize(
    "k, options, message",
    [
        (0, {}, r"embedding_size 0 must be an integer from 1 to d_model = \d+"),
        (99, {}, r"embedding_size 99 must be an integer from 1 to d_model"),
        (2, {"stpes": 3}, r"unknown options stpes; known: .*steps"),
        (2, {"init": "zeros"}, r"init 'zeros' must be 'pca' or 'random'"),
    ],
)
def test_bad_arguments_are_refused(frac_model, k, options, message):
    with pytest.raises(CompressionError, match=message):
        compress(frac_model, k, quiet=True, **options)


def test_an_empty_domain_is_refused(frac_model):
    with pytest.raises(CompressionError, match="the domain accepted 0 of"):
        compress(frac_model, 2, domain=lambda tokens: False, quiet=True, **FAST | {"pool_size": 4})
