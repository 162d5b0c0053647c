"""SPEC 2b, ``tracr.transformer``: the reference's Haiku modules, lazily imported, equal to
the numpy model, and trainable through ``use_unembed_argmax=False``."""

import subprocess
import sys

import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tracr.compiler import compiling, lib, lib_catalog
from tracr.craft import bases
from tracr.errors import ModelInputError
from tracr.rasp import rasp
from tracr.transformer import attention, compressed_model, encoder, model

BOS = "BOS"


def _haiku(compiled, argmax=True):
    def fn(ids):
        module = compiled.get_compiled_model()
        module.use_unembed_argmax = argmax and module.use_unembed_argmax
        return module(ids, use_dropout=False)

    return hk.transform(fn)


QUICK = ("reverse", "frac_prevs", "sort")  # categorical and numerical; the rest are slow
PROGRAMS = [n if n in QUICK else pytest.param(n, marks=pytest.mark.slow)
            for n in lib_catalog.NAMES]


@pytest.mark.parametrize("name", PROGRAMS)
def test_haiku_module_equals_the_numpy_model(name):
    case = lib_catalog.build(name, vocab_size=3, max_seq_len=4)
    compiled = compiling.compile_rasp_to_model(case.program, case.vocab, case.max_seq_len,
                                               compiler_bos=BOS)
    batch = [[BOS, *xs] for xs in case.random_inputs(4, seed=3)]
    want = compiled.apply_batch(batch)
    ids = np.array([compiled.input_encoder.encode(s) for s in _padded(compiled, batch)])
    with jax.enable_x64(True):
        out = jax.jit(_haiku(compiled).apply)(compiled.params, None, jnp.asarray(ids))
        t = out.transformer_output
        np.testing.assert_allclose(np.asarray(t.output), want.transformer_output, atol=1e-9)
        for got, ref in zip(t.layer_outputs, want.layer_outputs, strict=True):
            np.testing.assert_allclose(np.asarray(got), ref, atol=1e-9)
        for got, ref in zip(t.residuals, want.residuals, strict=True):
            np.testing.assert_allclose(np.asarray(got), ref, atol=1e-9)
        np.testing.assert_allclose(np.asarray(t.input_embeddings), want.input_embeddings)
        real = np.isfinite(want.attn_logits[0])
        np.testing.assert_allclose(np.asarray(t.attn_logits[0])[real], want.attn_logits[0][real],
                                   atol=1e-6, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(out.unembedded), want.unembedded, atol=1e-9)


def _random_params(init, *args, static=()):
    """Parameters of the right shapes without running ``init`` (random initialisers take
    long to compile): shapes from ``jax.eval_shape``, values from numpy."""
    shapes = jax.eval_shape(lambda *a: init(jax.random.PRNGKey(0), *a, *static), *args)
    rng = np.random.default_rng(0)
    return jax.tree_util.tree_map(lambda s: jnp.asarray(rng.normal(size=s.shape), s.dtype),
                                  shapes)


def _padded(compiled, batch):
    width = max(len(s) for s in batch)
    return [s + [compiled.input_encoder.pad_token] * (width - len(s)) for s in batch]


@pytest.fixture(scope="module")
def reverse():
    return compiling.compile_rasp_to_model(lib.make_reverse(rasp.tokens), {1, 2, 3}, 5,
                                           compiler_bos=BOS)


def test_params_of_the_module_are_the_compiled_params(reverse):
    ids = jnp.asarray([reverse.input_encoder.encode([BOS, 1, 2, 3])])
    params = jax.eval_shape(lambda x: _haiku(reverse).init(jax.random.PRNGKey(0), x), ids)
    shapes = jax.tree_util.tree_map(np.shape, params)
    assert shapes == jax.tree_util.tree_map(np.shape, reverse.params)


def test_reference_usage_decodes(reverse):
    forward = hk.transform(lambda x: reverse.get_compiled_model()(x, use_dropout=False))
    ids = jnp.asarray([reverse.input_encoder.encode([BOS, 1, 2, 3])])
    out = forward.apply(reverse.params, None, ids)
    decoded = reverse.output_encoder.decode(np.asarray(out.unembedded)[0].tolist())
    assert [BOS] + decoded[1:] == [BOS, 3, 2, 1]


def test_logits_to_train_against(reverse):
    forward = _haiku(reverse, argmax=False)
    ids = jnp.asarray([reverse.input_encoder.encode([BOS, 1, 2, 3])])
    logits = forward.apply(reverse.params, None, ids).unembedded
    assert logits.shape == (1, 4, 3)
    np.testing.assert_allclose(np.asarray(logits), reverse.apply([BOS, 1, 2, 3]).logits,
                               atol=1e-4)
    target = jnp.asarray([[0, 2, 1, 0]])

    def loss(params):
        out = forward.apply(params, None, ids).unembedded
        return -jnp.take_along_axis(jax.nn.log_softmax(out), target[..., None], -1).mean()

    grads = jax.jit(jax.grad(loss))(reverse.params)
    flat = jax.tree_util.tree_leaves(grads)
    assert all(np.isfinite(np.asarray(g)).all() for g in flat)
    assert any(np.abs(np.asarray(g)).max() > 0 for g in flat)


def test_transformer_config_defaults():
    config = model.TransformerConfig(num_heads=2, num_layers=1, key_size=4, mlp_hidden_size=8,
                                     dropout_rate=0.0)
    assert config.activation_function is jax.nn.gelu
    assert config.layer_norm is True and config.causal is False


def test_a_fresh_transformer_with_layer_norm_and_dropout_runs():
    config = model.TransformerConfig(num_heads=2, num_layers=2, key_size=4, mlp_hidden_size=8,
                                     dropout_rate=0.1, causal=True)
    fn = hk.transform(lambda x, m: model.Transformer(config)(x, m, use_dropout=True))
    x, mask = jnp.ones((3, 5, 6)), jnp.ones((3, 5))
    params = _random_params(fn.init, x, mask)
    assert "transformer/layer_1/attn/query" in params
    assert any("norm" in k for k in params)
    out = jax.jit(fn.apply)(params, jax.random.PRNGKey(1), x, mask)
    assert out.output.shape == (3, 5, 6) and len(out.residuals) == 4
    assert out.attn_logits[0].shape == (3, 2, 5, 5)
    assert np.isneginf(np.asarray(out.attn_logits[0])[0, 0, 0, 1])  # causal


def test_multi_head_attention_masks_keys():
    fn = hk.transform(lambda q, m: attention.MultiHeadAttention(
        num_heads=2, key_size=3, model_size=4)(q, q, q, mask=m))
    x = jax.random.normal(jax.random.PRNGKey(0), (1, 3, 4))
    mask = jnp.asarray([[[[True, True, False]]]])
    params = _random_params(fn.init, x, mask)
    apply = jax.jit(fn.apply)
    out = apply(params, None, x, mask)
    assert out.out.shape == (1, 3, 4) and out.logits.shape == (1, 2, 3, 3)
    changed = x.at[0, 2].set(100.0)  # a masked key: the first two queries do not see it
    again = apply(params, None, changed, mask)
    np.testing.assert_allclose(again.out[0, :2], out.out[0, :2], atol=1e-5)


def test_compressed_transformer_with_an_orthonormal_w_emb_computes_the_same(reverse):
    d = len(reverse.residual_labels)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(d, d)))

    c = reverse.model_config
    config = model.TransformerConfig(c.num_heads, c.num_layers, c.key_size, c.mlp_hidden_size,
                                     0.0, jax.nn.relu, layer_norm=False)

    def fn(ids, compressed):
        x = hk.Embed(embedding_matrix=reverse.params["token_embed"]["embeddings"],
                     name="token_embed")(ids)  # [B, T, D]
        x = x + reverse.params["pos_embed"]["embeddings"][: ids.shape[1]]
        mask = ids != reverse.input_encoder.pad_encoding
        if compressed:
            return compressed_model.CompressedTransformer(config, name="transformer")(
                x, mask, use_dropout=False, embedding_size=d)
        return model.Transformer(config, name="transformer")(x, mask, use_dropout=False)

    f = hk.transform(fn)
    ids = jnp.asarray([reverse.input_encoder.encode([BOS, 3, 1, 2])])
    with jax.enable_x64(True):
        params = dict(reverse.params)
        params["transformer"] = {"w_emb": jnp.asarray(q.T)}  # [E, D], orthonormal rows
        apply = jax.jit(f.apply, static_argnums=3)
        got, want = apply(params, None, ids, True), apply(reverse.params, None, ids, False)
        np.testing.assert_allclose(np.asarray(got.output), np.asarray(want.output), atol=1e-9)
        assert got.residuals[0].shape == (1, 4, d)


def test_compressed_transformer_reports_the_compressed_stream():
    config = model.TransformerConfig(num_heads=1, num_layers=1, key_size=2, mlp_hidden_size=3,
                                     dropout_rate=0.0, layer_norm=False)

    def fn(x, every):
        return compressed_model.CompressedTransformer(config)(
            x, jnp.ones(x.shape[:2]), use_dropout=False, embedding_size=3,
            unembed_at_every_layer=every)

    f = hk.transform(fn)
    x = jnp.ones((1, 4, 6))
    params = _random_params(f.init, x, static=(False,))
    assert params["compressed_transformer"]["w_emb"].shape == (3, 6)
    apply = jax.jit(f.apply, static_argnums=3)
    small, full = apply(params, None, x, False), apply(params, None, x, True)
    assert small.residuals[0].shape == (1, 4, 3) and full.residuals[0].shape == (1, 4, 6)
    assert small.output.shape == full.output.shape == (1, 4, 6)
    w = np.asarray(params["compressed_transformer"]["w_emb"])
    np.testing.assert_allclose(np.asarray(full.residuals[1]),
                               np.asarray(small.residuals[1]) @ w, atol=1e-5)


def test_categorical_encoder():
    basis = bases.VectorSpaceWithBasis.from_values("tokens", ["BOS", "a", "b", "PAD"]).basis
    enc = encoder.CategoricalEncoder(basis, enforce_bos=True, bos_token="BOS",
                                     pad_token="PAD", max_seq_len=3)
    assert enc.encode(["BOS", "b", "a"]) == [enc.encoding_map[t] for t in ("BOS", "b", "a")]
    assert enc.decode(enc.encode(["BOS", "a"])) == ["BOS", "a"]
    assert enc.vocab_size == 4
    assert enc.bos_encoding == enc.encoding_map["BOS"]
    assert enc.pad_encoding == enc.encoding_map["PAD"]
    with pytest.raises(ModelInputError, match="first input must be the BOS token"):
        enc.encode(["a"])
    with pytest.raises(ModelInputError, match="more than max_seq_len 3"):
        enc.encode(["BOS", "a", "a", "a"])
    with pytest.raises(ModelInputError, match="'c' is not in the encoding map"):
        enc.encode(["BOS", "c"])
    with pytest.raises(ModelInputError, match="id 9 is not one of"):
        enc.decode([9])
    with pytest.raises(ModelInputError, match="enforce_bos=True needs a bos_token"):
        encoder.CategoricalEncoder(basis, enforce_bos=True)
    assert encoder.NumericalEncoder().decode([0.5]) == [0.5]


def test_core_import_needs_no_jax_and_the_modules_say_which_extra():
    code = (
        "import sys; sys.modules['jax'] = None; sys.modules['haiku'] = None\n"
        "import tracr, tracr.compiler.compiling, tracr.transformer.model as m\n"
        "from tracr.transformer import encoder\n"
        "try:\n    m.Transformer\nexcept ImportError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.startswith("MissingDependencyError")
    assert "pip install 'tracr[jax]'" in out.stdout


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        model.Nope  # noqa: B018
