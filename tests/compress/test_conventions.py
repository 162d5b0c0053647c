"""The compressed model's conventions: write ``x @ w.T``, read ``c @ w``; fold; torch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tracr.compress import CompressedModel
from tracr.errors import CompressionError
from tracr.model import forward as fwd

INPUTS = {
    "reverse_model": [["BOS", 1, 2, 3], ["BOS", 3, 3], ["BOS", 2]],
    "frac_model": [["BOS", "x", "a", "x"], ["BOS", "a"], ["BOS", "x", "x"]],
    "causal_model": [["BOS", "a", "x", "x"], ["BOS", "x"]],
}
FIELDS = ("input_embeddings", "transformer_output", "logits", "unembedded")


def _same_decoded(got, want):
    for g_row, w_row in zip(got, want, strict=True):
        assert len(g_row) == len(w_row)
        for g, w in zip(g_row, w_row, strict=True):
            assert g == pytest.approx(w, abs=1e-9) if isinstance(w, float) else g == w


def _models(request, name):
    return request.getfixturevalue(name), INPUTS[name]


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("decompress", [False, True])
def test_identity_w_reproduces_the_compiled_model(request, name, decompress):
    model, inputs = _models(request, name)
    cm = CompressedModel(model, np.eye(model.model_config.d_model), decompress)
    got, want = cm.apply_batch(inputs), model.apply_batch(inputs)
    assert got.decoded == want.decoded
    for f in FIELDS:
        np.testing.assert_allclose(getattr(got, f), getattr(want, f), atol=1e-12)
    for key in ("residuals", "layer_outputs", "attn_logits", "attn_patterns"):
        assert len(getattr(got, key)) == len(getattr(want, key))
        for a, b in zip(getattr(got, key), getattr(want, key), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_selecting_coordinates_gives_the_expected_residual(reverse_model):
    """w = rows of the identity: the stream holds those coordinates, the rest read as 0."""
    model, d = reverse_model, reverse_model.model_config.d_model
    keep = [i for i in range(d) if i % 3 != 1]
    w = np.eye(d)[keep]  # [K, D]
    cm = CompressedModel(model, w)
    tokens = ["BOS", 3, 1, 2]
    out = cm.apply(tokens)
    p = model.params
    ids = np.asarray([model.input_encoder.encode(tokens)])
    x = p["token_embed"]["embeddings"][ids] + p["pos_embed"]["embeddings"][:4]  # [1, T, D]
    np.testing.assert_allclose(out.input_embeddings, x[..., keep], atol=1e-12)
    read = np.zeros_like(x)
    read[..., keep] = x[..., keep]
    mask = fwd.attention_mask(np.ones((1, 4), bool), causal=False)
    attn, _, _ = fwd.attention(p, 0, read, mask, model.model_config)
    np.testing.assert_allclose(out.residuals[0], x[..., keep] + attn[..., keep], atol=1e-12)
    dropped = np.zeros_like(attn)
    dropped[..., keep] = attn[..., keep]
    np.testing.assert_allclose(out.layer_outputs[0], dropped, atol=1e-12)


def test_a_scaled_w_scales_writes_and_reads(frac_model):
    """w = 2 I: the stream holds 2x, a sublayer reads 4x (so the model is no longer exact)."""
    d = frac_model.model_config.d_model
    out = CompressedModel(frac_model, 2 * np.eye(d)).apply(["BOS", "x", "a"])
    p = frac_model.params
    ids = np.asarray([frac_model.input_encoder.encode(["BOS", "x", "a"])])
    x = p["token_embed"]["embeddings"][ids] + p["pos_embed"]["embeddings"][:3]
    np.testing.assert_allclose(out.input_embeddings, 2 * x, atol=1e-12)
    mask = fwd.attention_mask(np.ones((1, 3), bool), causal=False)
    attn, _, _ = fwd.attention(p, 0, 4 * x, mask, frac_model.model_config)
    np.testing.assert_allclose(out.residuals[0], 2 * x + 2 * attn, atol=1e-9)


def test_decompress_every_layer_round_trips_the_stream(frac_model):
    """With w = 2 I the round trip multiplies the stream by w w.T = 4 I before a sublayer."""
    d = frac_model.model_config.d_model
    tokens = ["BOS", "x", "a"]
    out = CompressedModel(frac_model, 2 * np.eye(d), decompress_every_layer=True).apply(tokens)
    p = frac_model.params
    ids = np.asarray([frac_model.input_encoder.encode(tokens)])
    x = p["token_embed"]["embeddings"][ids] + p["pos_embed"]["embeddings"][:3]
    mask = fwd.attention_mask(np.ones((1, 3), bool), causal=False)
    attn, _, _ = fwd.attention(p, 0, 16 * x, mask, frac_model.model_config)
    np.testing.assert_allclose(out.residuals[0], 8 * x + 2 * attn, atol=1e-9)


def _random_w(model, k, seed=0):
    return np.random.default_rng(seed).standard_normal((k, model.model_config.d_model)) / 3


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_the_folded_model_is_the_compressed_model(request, name):
    model, inputs = _models(request, name)
    cm = CompressedModel(model, _random_w(model, 4))
    folded = cm.fold()
    assert folded.model_config.d_model == 4
    assert folded.residual_labels == [
        "compressed:0",
        "compressed:1",
        "compressed:2",
        "compressed:3",
    ]
    got, want = folded.apply_batch(inputs), cm.apply_batch(inputs)
    _same_decoded(got.decoded, want.decoded)
    for a, b in itertools.chain(
        zip(got.residuals, want.residuals, strict=True), [(got.logits, want.logits)]
    ):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_a_round_tripping_model_does_not_fold(frac_model):
    cm = CompressedModel(frac_model, _random_w(frac_model, 3), decompress_every_layer=True)
    with pytest.raises(CompressionError, match="decompress_every_layer=False to fold"):
        cm.fold()


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("decompress", [False, True])
def test_torch_module_equals_the_numpy_compressed_model(request, name, decompress):
    import torch

    model, inputs = _models(request, name)
    cm = CompressedModel(model, _random_w(model, 5), decompress)
    tm = cm.to_torch(dtype=torch.float64)
    assert [n for n, p in tm.named_parameters() if p.requires_grad] == ["w"]
    want = cm.apply_batch(inputs)
    enc_ids = torch.as_tensor(
        [model.input_encoder.encode(s + [model.input_encoder.pad_token] * (4 - len(s)))
         for s in inputs]
    )  # fmt: skip
    with torch.no_grad():
        trace = tm(enc_ids)
    for a, b in zip(trace.residuals, want.residuals, strict=True):
        np.testing.assert_allclose(a.numpy(), b, atol=1e-9)
    for a, b in zip(trace.layer_outputs, want.layer_outputs, strict=True):
        np.testing.assert_allclose(a.numpy(), b, atol=1e-9)
    np.testing.assert_allclose(trace.logits.numpy(), want.logits, atol=1e-9)


def test_torch_module_apply_decodes_like_the_numpy_model(reverse_model):
    cm = CompressedModel(reverse_model, np.eye(reverse_model.model_config.d_model)[:-2])
    tm = cm.to_torch()
    batch = [["BOS", 3, 1, 2], ["BOS", 2]]
    assert tm.apply_batch(batch).decoded == cm.apply_batch(batch).decoded
    assert tm.apply(["BOS", 1, 2]).decoded == cm.apply(["BOS", 1, 2]).decoded
    identity = CompressedModel(reverse_model, np.eye(reverse_model.model_config.d_model))
    assert identity.to_torch().apply(["BOS", 1, 2, 3]).decoded == ["BOS", 3, 2, 1]


def test_transformer_lens_export_equals_the_torch_compressed_model(reverse_model):
    import torch

    cm = CompressedModel(reverse_model, _random_w(reverse_model, 6))
    tl = cm.to_transformer_lens(dtype=torch.float64)
    tm = cm.to_torch(dtype=torch.float64)
    enc = reverse_model.input_encoder
    ids = torch.as_tensor(
        [enc.encode(["BOS", 1, 3, 2]), enc.encode(["BOS", 2, "compiler_pad", "compiler_pad"])]
    )
    with torch.no_grad():
        logits = tl(ids)
        want = tm(ids).logits
    real = (ids != enc.encoding_map[enc.pad_token])[..., None]
    np.testing.assert_allclose((logits * real).numpy(), (want * real).numpy(), atol=1e-9)
    assert not np.allclose(want.numpy(), 0)


@pytest.mark.parametrize(
    "w, message",
    [
        (np.zeros((3, 5)), r"w has shape \[3, 5\]; it must be \[embedding_size, d_model\]"),
        (np.zeros(7), r"w has shape \[7\]"),
    ],
)
def test_a_w_of_the_wrong_shape_is_refused(reverse_model, w, message):
    with pytest.raises(CompressionError, match=message):
        CompressedModel(reverse_model, w)
