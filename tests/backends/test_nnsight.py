"""nnsight traces the torch backend's module unchanged: reads and edits sublayer outputs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nnsight = pytest.importorskip("nnsight")

from tracr.backends.torch import to_torch  # noqa: E402

TOKENS = ["BOS", 1, 2, "a", "PAD"]


def test_nnsight_reads_every_sublayer(make_model):
    model = make_model(n_layers=2, seed=1)
    traced = nnsight.NNsight(to_torch(model, dtype=torch.float64))
    ids = torch.tensor([model.input_encoder.encode(TOKENS)])
    with traced.trace(ids):
        mlp0 = traced.blocks[0].mlp.output.save()
        attn1, _, pattern1 = (traced.blocks[1].attn.output[i].save() for i in range(3))
    ref = model.apply(TOKENS)
    np.testing.assert_allclose(mlp0.detach().numpy(), ref.layer_outputs[1], atol=1e-10)
    np.testing.assert_allclose(attn1.detach().numpy(), ref.layer_outputs[2], atol=1e-10)
    np.testing.assert_allclose(pattern1.detach().numpy(), ref.attn_patterns[1], atol=1e-10)


def test_nnsight_intervention_changes_the_output(make_model):
    model = make_model(n_layers=2, seed=1)
    traced = nnsight.NNsight(to_torch(model, dtype=torch.float64))
    ids = torch.tensor([model.input_encoder.encode(TOKENS)])
    with traced.trace(ids):
        traced.blocks[1].mlp.output[:] = 0
        out = traced.output.save()
    ref = model.apply(TOKENS)
    want = ref.residuals[2] @ model.unembedding  # the stream without the last MLP
    np.testing.assert_allclose(out.logits.detach().numpy(), want, atol=1e-10)
    assert float(out.layer_outputs[3].detach().abs().max()) == 0.0


def test_attn_output_is_a_tuple_of_out_logits_pattern(make_model):
    """As documented in tracr/export/README.md: index attn.output, it is not a tensor."""
    model = make_model(n_layers=1, seed=2)
    traced = nnsight.NNsight(to_torch(model, dtype=torch.float64))
    ids = torch.tensor([model.input_encoder.encode(TOKENS)])
    with traced.trace(ids):
        whole = traced.blocks[0].attn.output.save()
    assert isinstance(whole, tuple) and len(whole) == 3
    cfg = model.model_config
    t = len(TOKENS)
    assert [tuple(x.shape) for x in whole] == [
        (1, t, cfg.d_model), (1, cfg.num_heads, t, t), (1, cfg.num_heads, t, t)]
