"""The Haiku backend: reference parameter names, jitted batched forward, numpy-equal outputs."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("haiku")

from tracr.backends.haiku import HaikuTrace, to_haiku  # noqa: E402
from tracr.errors import MissingDependencyError  # noqa: E402


def test_every_sublayer_matches_numpy_in_x64(any_model, make_batch, check_trace, check_decoded):
    batch = make_batch(any_model, 6, seed=7)
    ref = any_model.apply_batch(batch)
    with jax.enable_x64(True):
        got = to_haiku(any_model).apply_batch(batch)
    assert got.logits.dtype == np.float64
    check_trace(vars(got), ref)
    check_decoded(got.decoded, ref.decoded)


def test_float32_default(make_model, make_batch):
    model = make_model(n_layers=3, seed=6)
    batch = make_batch(model, 9, seed=1)
    got = to_haiku(model).apply_batch(batch)
    assert got.logits.dtype == np.float32
    np.testing.assert_allclose(got.logits, model.apply_batch(batch).logits, atol=1e-4)


def test_params_have_the_reference_names(make_model):
    model = make_model(n_layers=2)
    hmodel = to_haiku(model)
    assert set(hmodel.params) == set(model.params)
    assert set(hmodel.params["transformer/layer_1/attn/query"]) == {"w", "b"}
    init = jax.eval_shape(hmodel.transformed.init, None, np.zeros((1, 3), dtype=np.int32))
    shapes = jax.tree_util.tree_map(np.shape, init)
    assert shapes == jax.tree_util.tree_map(np.shape, hmodel.params)


def test_forward_is_batched_and_jitted(make_model, make_batch):
    model = make_model(n_layers=2, causal=True, seed=2)
    hmodel = to_haiku(model)
    tokens = ["BOS", 1, "a", "PAD", "PAD", "PAD"]  # the full context: apply() reuses the jit
    ids = np.asarray([model.input_encoder.encode(tokens)] * 4)
    trace = hmodel.forward(hmodel.params, ids, ids != 5)  # 5: the PAD id
    assert isinstance(trace, HaikuTrace)
    assert trace.logits.shape == (4, 6, 3) and len(trace.residuals) == 4
    ref = model.apply(tokens)
    np.testing.assert_allclose(np.asarray(trace.logits[0]), ref.logits[0], atol=1e-4)
    assert hmodel.apply(tokens).decoded == ref.decoded


def test_reference_style_attributes(make_model):
    model = make_model()
    hmodel = to_haiku(model)
    assert hmodel.model_config is model.model_config
    assert hmodel.residual_labels == model.residual_labels
    assert hmodel.input_encoder is model.input_encoder
    assert hmodel.output_encoder is model.output_encoder
    assert hmodel.get_compiled_model() is hmodel.transformed
    np.testing.assert_array_equal(hmodel.unembedding, model.unembedding)


def test_missing_haiku_names_the_extra(monkeypatch, make_model):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "haiku":
            raise ImportError("no haiku")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match=r"tracr\[jax\]"):
        to_haiku(make_model())
