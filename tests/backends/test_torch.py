"""The PyTorch backend equals the numpy model at every sublayer, padded or not, causal or not."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tracr.backends import torch as tracr_torch  # noqa: E402
from tracr.backends._common import TRACE_FIELDS  # noqa: E402
from tracr.backends.torch import to_torch  # noqa: E402


def _trace_numpy(trace) -> dict:
    def conv(x):
        return [conv(i) for i in x] if isinstance(x, list) else x.detach().cpu().numpy()

    return {f: conv(getattr(trace, f)) for f in TRACE_FIELDS}


def test_every_sublayer_matches_numpy(any_model, make_batch, check_trace, check_decoded):
    out = any_model.apply_batch(make_batch(any_model, 7))
    tmodel = to_torch(any_model, dtype=torch.float64)
    got = tmodel.apply_batch(make_batch(any_model, 7))
    check_trace(vars(got), out)
    check_decoded(got.decoded, out.decoded)


def test_raw_forward_with_padding_matches(any_model, make_batch, check_trace):
    enc_batch = make_batch(any_model, 5, seed=1)
    ref = any_model.apply_batch(enc_batch)
    tmodel = to_torch(any_model, dtype=torch.float64)
    ids = np.asarray([any_model.input_encoder.encode(s) for s in _pad(any_model, enc_batch)])
    with torch.no_grad():
        trace = tmodel(torch.as_tensor(ids))  # key mask derived from the PAD id
    check_trace(_trace_numpy(trace), ref)


def test_padding_does_not_change_real_positions(make_model, check_trace):
    model = make_model(n_layers=2, max_seq_len=6, causal=False, seed=5)
    tmodel = to_torch(model, dtype=torch.float64)
    short = ["BOS", 1, "a", 2]
    alone = tmodel.apply(short)
    padded = tmodel.apply(short + ["PAD"] * 3)
    np.testing.assert_allclose(padded.logits[:, :4], alone.logits, atol=1e-12)
    assert padded.decoded == alone.decoded + ["PAD"] * 3


def test_float32_decodes_like_numpy(make_model, make_batch):
    model = make_model(n_layers=3, n_heads=2, seed=11)
    batch = make_batch(model, 16, seed=2)
    ref = model.apply_batch(batch)
    got = to_torch(model, dtype="float32").apply_batch(batch)  # unchecked: no float32 default
    assert got.logits.dtype == np.float32
    np.testing.assert_allclose(got.logits, ref.logits, atol=1e-4)


def test_module_is_plain_torch(make_model):
    tmodel = to_torch(make_model(n_layers=2))
    assert isinstance(tmodel, torch.nn.Module)
    assert isinstance(tmodel, tracr_torch.TracrTorchModel)
    assert isinstance(tmodel.blocks[1].attn.query, torch.nn.Linear)
    names = {n for n, _ in tmodel.named_parameters()}
    assert "blocks.1.mlp.linear_2.weight" in names and "unembedding" in names
    assert not tmodel.training


def test_forward_hooks_see_sublayer_outputs(make_model, make_batch):
    model = make_model(n_layers=2, seed=4)
    tmodel = to_torch(model, dtype=torch.float64)
    seen = {}
    tmodel.blocks[1].mlp.register_forward_hook(lambda m, i, o: seen.setdefault("mlp", o))
    ref = model.apply_batch(make_batch(model, 3))
    tmodel.apply_batch(make_batch(model, 3))
    np.testing.assert_allclose(seen["mlp"].numpy(), ref.layer_outputs[3], atol=1e-10)


def test_causal_mask_is_a_buffer(make_model):
    causal = to_torch(make_model(causal=True))
    full = to_torch(make_model(causal=False))
    assert not causal.causal_mask.triu(1).any()
    assert full.causal_mask.all()


def test_zero_sized_blocks(make_model, make_batch, check_trace):
    model = make_model(n_layers=2, n_heads=0, key_size=1, d_mlp=0, seed=9)
    ref = model.apply_batch(make_batch(model, 3))
    got = to_torch(model, dtype=torch.float64).apply_batch(make_batch(model, 3))
    check_trace(vars(got), ref)


def test_apply_rejects_bad_input_like_numpy(make_model):
    tmodel = to_torch(make_model())
    with pytest.raises(ValueError, match="must be the BOS token"):
        tmodel.apply([1, 2])
    with pytest.raises(ValueError, match="equal length"):
        tmodel.apply_batch([["BOS", 1], ["BOS"]], pad=False)


def test_missing_torch_names_the_extra(monkeypatch, make_model):
    import builtins

    from tracr.errors import MissingDependencyError

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("no torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match=r"pip install 'tracr\[torch\]'"):
        to_torch(make_model())


def _pad(model, batch):
    width = max(len(s) for s in batch)
    return [list(s) + ["PAD"] * (width - len(s)) for s in batch]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_cuda(make_model, make_batch, check_trace):
    model = make_model(n_layers=3, n_heads=2, causal=True, seed=13)
    batch = make_batch(model, 9, seed=3)
    tmodel = to_torch(model, dtype=torch.float64, device="cuda")
    assert tmodel.causal_mask.device.type == "cuda"
    got = tmodel.apply_batch(batch)
    check_trace(vars(got), model.apply_batch(batch))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": None}, "needs a CompiledModel .* got NoneType"),
        ({"model": "reverse.safetensors"}, "got str"),
        ({"dtype": torch.int64}, "floating-point dtype"),
        ({"dtype": "int8"}, "floating-point dtype"),
        ({"dtype": "float77"}, "floating-point dtype"),
        ({"dtype": 3}, "floating-point dtype"),
        ({"device": "gpu:7"}, "not a torch device"),
        ({"device": 3.5}, "not a torch device"),
        ({"device": "cuda:99"}, "cannot place the model"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_bad_arguments_raise_backend_error(kwargs, message):
    from tracr.compiler import compiling, lib
    from tracr.errors import BackendError

    kwargs = {"model": compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3), **kwargs}
    model = kwargs.pop("model")
    with pytest.raises(BackendError, match=message):
        to_torch(model, **kwargs)


def test_dtype_by_name_works():
    from tracr.compiler import compiling, lib

    model = compiling.compile_rasp_to_model(lib.make_length(), {1, 2}, 3)
    assert to_torch(model, dtype="float64").apply(["compiler_bos", 1, 2]).decoded[1:] == [2, 2]
