"""TransformerLens export: every hook equals the numpy model's sublayer, padded or not.

Runs on whichever transformer-lens is installed: 3.x builds a HookedTransformer, 4.x a
TransformerBridge; the hook names compared here exist in both.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformer_lens")

from tracr.backends import _common  # noqa: E402
from tracr.errors import MissingDependencyError, UnsupportedExprError  # noqa: E402
from tracr.export import transformer_lens as tl_export  # noqa: E402
from tracr.export.transformer_lens import key_mask, to_transformer_lens  # noqa: E402


def _ids(model, batch) -> torch.Tensor:
    enc = _common.encode_batch(model, batch, pad=True)
    return torch.as_tensor(enc.ids)


def _check_cache(model, cache, ref, atol=1e-5) -> None:
    for i in range(model.model_config.num_layers):
        for j, (hook, resid) in enumerate((("attn", "mid"), ("mlp", "post"))):
            got = cache[f"blocks.{i}.hook_{hook}_out"].numpy()
            np.testing.assert_allclose(got, ref.layer_outputs[2 * i + j], atol=atol)
            got = cache[f"blocks.{i}.hook_resid_{resid}"].numpy()
            np.testing.assert_allclose(got, ref.residuals[2 * i + j], atol=atol)
        if model.model_config.num_heads:
            got = cache[f"blocks.{i}.attn.hook_pattern"].numpy()
            np.testing.assert_allclose(got, ref.attn_patterns[i], atol=atol)


@pytest.mark.parametrize("explicit_mask", [True, False], ids=["mask", "ids"])
def test_every_hook_matches_numpy(any_model, make_batch, explicit_mask):
    batch = make_batch(any_model, 6, seed=4)
    ref = any_model.apply_batch(batch)
    tl_model = to_transformer_lens(any_model, dtype=torch.float64)
    ids = _ids(any_model, batch)
    kwargs = {"attention_mask": key_mask(any_model, ids)} if explicit_mask else {}
    logits, cache = tl_model.run_with_cache(ids, **kwargs)
    _check_cache(any_model, cache, ref)
    np.testing.assert_allclose(logits.detach().numpy(), ref.logits, atol=1e-5)


def test_attention_scores_are_the_numpy_logits(make_model, make_batch):
    if tl_export.transformer_lens_major() >= 4:
        pytest.skip("transformer-lens 4.3's native bridge fires hook_attn_scores with the pattern")
    model = make_model(n_layers=2, n_heads=2, causal=False, seed=8)
    batch = make_batch(model, 4, seed=3)
    ref = model.apply_batch(batch)
    _, cache = to_transformer_lens(model, dtype=torch.float64).run_with_cache(_ids(model, batch))
    for i in range(2):
        got, want = cache[f"blocks.{i}.attn.hook_attn_scores"].numpy(), ref.attn_logits[i]
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isfinite(got), finite)
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-9)


def test_float32_logits_decode_like_numpy(make_model, make_batch, check_decoded):
    model = make_model(n_layers=3, n_heads=2, causal=True, seed=12)
    batch = make_batch(model, 8, seed=5)
    enc = _common.encode_batch(model, batch, pad=True)
    tl_model = to_transformer_lens(model, dtype=torch.float32)  # unchecked: no float32 default
    logits = tl_model(torch.as_tensor(enc.ids)).detach().numpy()
    assert logits.dtype == np.float32
    decoded = [
        _common.decode_row(model, logits[i], enc.padded[i], enc.lengths[i])
        for i in range(len(batch))
    ]
    check_decoded(decoded, model.apply_batch(batch).decoded, rel=1e-4)


def test_config_and_weights(make_model):
    model = make_model(n_layers=2, n_heads=3, key_size=2, d_mlp=5, d_model=11, causal=True)
    tl_model = to_transformer_lens(model, dtype=torch.float64)
    cfg = tl_model.cfg
    assert (cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.d_head, cfg.d_mlp) == (2, 11, 3, 2, 5)
    assert (cfg.n_ctx, cfg.d_vocab, cfg.d_vocab_out) == (6, 6, 3)
    assert cfg.act_fn == "relu" and cfg.normalization_type is None
    assert cfg.attention_dir == "causal" and cfg.default_prepend_bos is False
    np.testing.assert_array_equal(tl_model.W_U.detach().numpy(), model.unembedding)
    np.testing.assert_array_equal(tl_model.b_U.detach().numpy(), 0.0)
    w_q = model.params["transformer/layer_1/attn/query"]["w"].reshape(11, 3, 2)
    np.testing.assert_array_equal(tl_model.W_Q[1].detach().numpy(), w_q.transpose(1, 0, 2))


def test_model_without_heads_or_mlp(make_model, make_batch):
    model = make_model(n_layers=2, n_heads=0, key_size=1, d_mlp=0, seed=2)
    batch = make_batch(model, 3)
    ref = model.apply_batch(batch)
    logits = to_transformer_lens(model, dtype=torch.float64)(_ids(model, batch))
    np.testing.assert_allclose(logits.detach().numpy(), ref.logits, atol=1e-10)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"layer_norm": True}, "layer_norm=True"), ({"activation": "gelu"}, "activation 'gelu'")],
)
def test_unsupported_models_are_refused(make_model, change, message):
    model = make_model()
    model.model_config = dataclasses.replace(model.model_config, **change)
    with pytest.raises(UnsupportedExprError, match=message):
        to_transformer_lens(model)


def test_missing_transformer_lens_names_the_extra(monkeypatch, make_model):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "transformer_lens":
            raise ImportError("no transformer_lens")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match=r"tracr\[transformer-lens\]"):
        tl_export.to_transformer_lens(make_model())
